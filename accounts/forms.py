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


class AccountDeleteForm(forms.Form):
    """Deleting an account asks for the password again: a session left open on a shared
    computer must not be enough to erase someone's files."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.", code="password_incorrect")
        return password
