from django.urls import path

from storage import local_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("f/<str:folder_id>", views.folder_page, name="folder"),
    path("trash/", views.trash_page, name="trash"),
    path("storage/local/<str:token>", local_views.local_object, name="storage-local-object"),
]
