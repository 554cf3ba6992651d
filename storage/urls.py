from django.urls import path

from storage import views
from storage.backends.local import views as local_views

urlpatterns = [
    path("", views.home, name="home"),
    path("f/<str:folder_id>", views.folder_page, name="folder"),
    path("recent/", views.recent_page, name="recent"),
    path("starred/", views.starred_page, name="starred"),
    path("trash/", views.trash_page, name="trash"),
    path("storage/local/<str:token>", local_views.local_object, name="storage-local-object"),
]
