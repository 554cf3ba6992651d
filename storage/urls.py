from django.urls import path

from storage import local_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("storage/local/<str:token>", local_views.local_object, name="storage-local-object"),
]
