"""Every /api/v1/ route, gathered from the apps' api/urls.py modules."""

from django.urls import include, path

urlpatterns = [
    path("", include("accounts.api.urls")),
    path("", include("plans.api.urls")),
    path("", include("storage.api.urls")),
    path("", include("sharing.api.urls")),
    path("", include("activity.api.urls")),
    path("", include("notifications.api.urls")),
]
