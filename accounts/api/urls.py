from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts.api.views import ApiTokenViewSet, AppPasswordViewSet
from accounts.api.webhooks import IdentityWebhookView

router = SimpleRouter()
router.register("tokens", ApiTokenViewSet, basename="api-token")
router.register("app-passwords", AppPasswordViewSet, basename="app-password")

urlpatterns = [
    path("webhooks/identity/", IdentityWebhookView.as_view(), name="webhook-identity"),
    *router.urls,
]
