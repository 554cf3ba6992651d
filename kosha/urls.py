from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView

from kosha import health
from kosha.schema_view import SchemaView

# The admin signs in through allauth's page: its rate limits, two-factor and single
# sign-on apply to operators too, and SSO-only mode leaves no password form anywhere.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("activity/", include("activity.urls")),
    path("accounts/", include("allauth.urls")),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file (?script=): no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("kosha.api_urls")),
    path("", include("accounts.urls")),
    path("", include("storage.urls")),
    path("", include("sharing.urls")),
    path("", include("notifications.urls")),
]

# A body over DATA_UPLOAD_MAX_MEMORY_SIZE answers 413 (JSON under the JSON doors).
handler400 = "kosha.json_errors.bad_request"
