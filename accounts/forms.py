from allauth.account.forms import ResetPasswordForm
from django import forms
from django.conf import settings
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from accounts.mail import NO_DELIVERY_RESET_MESSAGE
from accounts.models import ApiToken, AppPassword, User


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


class AppPasswordCreateForm(forms.Form):
    name = forms.CharField(
        label="Device name",
        max_length=AppPassword._meta.get_field("name").max_length,
        help_text="The device or app that will use it, e.g. “laptop rclone”.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "laptop"}),
    )
    redirect_downloads = forms.BooleanField(
        label="Send downloads straight from the store (for clients that follow redirects, such as rclone)",
        required=False,
    )


class AppPasswordRevokeForm(forms.Form):
    app_password_id = forms.UUIDField(widget=forms.HiddenInput)


class AccountDeleteForm(forms.Form):
    """Deleting an account asks for the password again: a session left open on a shared
    computer must not be enough to erase someone's files. An account that signs in through
    an identity provider only has no password: it types its e-mail address instead."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    email = forms.CharField(
        label="Your e-mail address",
        max_length=254,
        help_text="Type it to confirm.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        del self.fields["email" if user.has_usable_password() else "password"]

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.", code="password_incorrect")
        return password

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if email.lower() != self.user.email.lower():
            raise forms.ValidationError("That is not your account's address.", code="email_incorrect")
        return email


class PasswordResetForm(ResetPasswordForm):
    """allauth's reset form, refusing with a clear error (and sending nothing) when no mail
    server is configured: the "we have sent you an e-mail" page would not be true."""

    def clean(self):
        cleaned_data = super().clean()
        if not settings.KOSHA_EMAIL_DELIVERY:
            raise forms.ValidationError(NO_DELIVERY_RESET_MESSAGE, code="no_mail_delivery")
        return cleaned_data
