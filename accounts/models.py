import uuid
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields: Any) -> "User":
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields: Any) -> "User":
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields: Any) -> "User":
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account. The uuid is the public id and the object-key prefix."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField("email address", max_length=254, unique=True)
    name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # Set when deletion is asked for: the account is locked out at once, and the purge task
    # deletes its objects, then these rows. Only a user marked so may be purged.
    deleting_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["email"]
        constraints = [
            # Emails are unique regardless of case: "Ann@x.org" and "ann@x.org" are one person.
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name or self.email.split("@")[0]


class PersonalKey(models.Model):
    """A key a user makes for a program or a device (`kosha_<prefix>_<secret>`,
    accounts/tokens.py): named, shown once, revocable. Only a SHA-256 of the secret is
    stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    # The prefix is public and indexed so authentication is one lookup, not a scan.
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class ApiToken(PersonalKey):
    """A personal API token (`Authorization: Token <key>`)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")


class AppPassword(PersonalKey):
    """A device's password for WebDAV (HTTP Basic), one per device; the account password
    never opens /dav/."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="app_passwords")
    # GET answers 302 to the store's presigned URL instead of streaming (for clients that
    # follow redirects, e.g. rclone with the store on another host name).
    redirect_downloads = models.BooleanField(default=False)


class WebhookEvent(models.Model):
    """A processed webhook event, kept so a replayed delivery changes nothing."""

    source = models.CharField(max_length=32)
    event_id = models.CharField(max_length=255)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "id"]
        constraints = [
            # The database, not a check-then-insert, decides which delivery of an event wins.
            models.UniqueConstraint(fields=["source", "event_id"], name="accounts_webhookevent_unique_per_source"),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.event_id}"
