"""First-run setup for `make run`, safe to run on every start.

Makes sure a default plan exists and, when the installation has no superuser yet, creates
one with a random password, writes the credentials to $KOSHA_VAR_DIR/initial-admin.txt
(readable by the owner only) and says how to sign in. Later runs only say where that
file is.

With local passwords off (KOSHA_SSO_ONLY) a password admin could not sign in, so none is
made: the operator signs in through the identity provider once, then runs
`manage.py kosha_setup --admin their@address` to make that account an admin.
"""

import os
import secrets
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from plans.models import Plan
from plans.services import plans_seed_defaults

ADMIN_EMAIL = "admin@localhost.localdomain"
CREDENTIALS_FILE_NAME = "initial-admin.txt"


def _credentials_path() -> Path:
    return Path(settings.KOSHA_VAR_DIR) / CREDENTIALS_FILE_NAME


def _site_url() -> str:
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address
    return f"http://{host}:{port}"


def _write_private(path: Path, text: str) -> None:
    """Write `text` to `path`, readable and writable by the owner only (mode 600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # the mode above applies only when the file is new
        os.write(fd, text.encode())
    finally:
        os.close(fd)


class Command(BaseCommand):
    help = "Idempotent first-run setup: a default plan and, if none exists, a first superuser."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--admin",
            metavar="EMAIL",
            help="Make the existing account with this address a superuser (e.g. after its first single sign-on).",
        )

    def handle(self, *args, **options) -> None:
        self._ensure_default_plan()
        if options.get("admin"):
            self._promote(options["admin"])
        elif settings.KOSHA_SSO_ONLY:
            self._explain_sso_only_admin()
        else:
            self._ensure_superuser()

    def _promote(self, email: str) -> None:
        User = get_user_model()
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(
                f"No account has the address {email!r} yet: sign in once (through the identity provider), then run this again."
            )
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
        self.stdout.write(self.style.SUCCESS(f"{user.email} is now an admin: {_site_url()}/admin/"))

    def _explain_sso_only_admin(self) -> None:
        if get_user_model().objects.filter(is_superuser=True).exists():
            return
        self.stdout.write(
            self.style.WARNING(
                "Local passwords are off (KOSHA_SSO_ONLY), so no password admin was created. Sign in through "
                f"your identity provider at {_site_url()}/accounts/login/, then make that account an admin:\n"
                "  manage.py kosha_setup --admin you@example.com"
            )
        )

    def _ensure_default_plan(self) -> None:
        if Plan.objects.filter(is_default=True).exists():
            return
        fallback = Plan.objects.order_by("position", "storage_bytes").first()
        if fallback is not None:
            # The operator unset the default on purpose, perhaps; leave it to them.
            self.stdout.write(
                self.style.WARNING(
                    f"No plan is marked as the default; new accounts start on {fallback.name}, "
                    "the smallest. Choose a default in the admin under Plans."
                )
            )
            return
        for plan in plans_seed_defaults():
            self.stdout.write(f"Created the plan: {plan.name}.")

    def _ensure_superuser(self) -> None:
        User = get_user_model()
        path = _credentials_path()
        if User.objects.filter(is_superuser=True).exists():
            if path.exists():
                self.stdout.write(f"The first admin's sign-in details are in {path}")
            self.stdout.write("To create another admin: KOSHA_EMBEDDED=true .venv/bin/python manage.py createsuperuser")
            return

        email = ADMIN_EMAIL
        if User.objects.filter(email__iexact=email).exists():
            # Someone signed up with that address without being an admin; do not promote them.
            email = f"admin-{secrets.token_hex(3)}@localhost.localdomain"
        password = secrets.token_urlsafe(18)
        with transaction.atomic():
            user = User.objects.create_superuser(email=email, password=password)
            # Verified and primary, so signing in works under mandatory email verification.
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)

        url = _site_url()
        _write_private(
            path,
            "Kosha's first admin account, created by `manage.py kosha_setup`.\n"
            f"Sign in at: {url}/accounts/login/\n"
            f"Admin site: {url}/admin/\n"
            f"Email:      {email}\n"
            f"Password:   {password}\n"
            "Change the password after signing in, then delete this file.\n",
        )
        rule = "=" * 72
        self.stdout.write(
            "\n".join(
                [
                    rule,
                    self.style.SUCCESS("Created Kosha's first admin account."),
                    f"  Sign in at  {url}/accounts/login/   (admin site: {url}/admin/)",
                    f"  Email       {email}",
                    f"  Password    {password}",
                    f"These details are saved in {path} (readable only by you).",
                    "Change the password after signing in, then delete that file.",
                    rule,
                ]
            )
        )
