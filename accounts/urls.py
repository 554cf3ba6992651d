from django.urls import path

from accounts import views

urlpatterns = [
    path("settings/", views.settings_index, name="settings"),
    path("settings/plan/", views.plan_page, name="settings_plan"),
    path("settings/uploads/", views.pending_uploads_page, name="settings_uploads"),
    path("settings/tokens/", views.api_token_create_view, name="settings_token_create"),
    path("settings/tokens/revoke/", views.api_token_revoke_view, name="settings_token_revoke"),
    path("settings/app-passwords/", views.app_passwords_view, name="settings_app_passwords"),
    path("settings/app-passwords/revoke/", views.app_password_revoke_view, name="settings_app_password_revoke"),
    path("settings/delete/", views.account_delete_view, name="settings_account_delete"),
]
