from django import forms
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from accounts.models import ApiToken, User


class UserAdminCreationForm(AdminUserCreationForm):
    """The admin's add form: an email and a password (twice)."""

    class Meta:
        model = User
        fields = ("email",)


class UserAdminChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = ("email", "name", "is_active", "is_staff", "is_superuser", "groups", "user_permissions")


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(
        label="Token name",
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text="What will use it, e.g. “backup script on nas”.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "backup script"}),
    )


class ApiTokenRevokeForm(forms.Form):
    token_id = forms.UUIDField(widget=forms.HiddenInput)
