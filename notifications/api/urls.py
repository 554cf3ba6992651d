from django.urls import path

from notifications.api import views

app_name = "notifications-api"

urlpatterns = [
    path("notifications/", views.NotificationListView.as_view(), name="notification-list"),
    path("notifications/unread/", views.NotificationUnreadView.as_view(), name="notification-unread"),
    path("notifications/read-all/", views.NotificationReadAllView.as_view(), name="notification-read-all"),
    path("notifications/<str:pk>/read/", views.NotificationReadView.as_view(), name="notification-read"),
]
