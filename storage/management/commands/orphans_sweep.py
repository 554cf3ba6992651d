import uuid
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from storage.backends import BackendError
from storage.services.janitors import orphans_sweep


class Command(BaseCommand):
    help = (
        "List objects in the store that no row references (or whose user is gone) and are "
        "older than the grace period. Reports only, unless --apply is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", type=uuid.UUID, help="Only this user's prefix (a user id).")
        parser.add_argument(
            "--grace-hours",
            type=int,
            default=settings.KOSHA_ORPHAN_GRACE_HOURS,
            help="Keep objects younger than this (default: KOSHA_ORPHAN_GRACE_HOURS).",
        )
        parser.add_argument("--apply", action="store_true", help="Delete the orphans (default: dry run).")

    def handle(self, *args, user=None, grace_hours=24, apply=False, **options):
        if grace_hours < 1:
            raise CommandError("--grace-hours must be at least 1: younger objects may be uploads in flight.")
        try:
            result = orphans_sweep(user_id=user, grace=timedelta(hours=grace_hours), dry_run=not apply)
        except BackendError as exc:
            raise CommandError(f"The object store failed: {exc}") from exc
        for listed in result.orphans:
            self.stdout.write(f"{listed.key}\t{listed.size_bytes}\t{listed.last_modified.isoformat()}")
        summary = f"{len(result.orphans)} orphaned object(s), {result.orphan_bytes} bytes"
        if apply:
            self.stdout.write(self.style.SUCCESS(f"Deleted {result.deleted} of {summary}."))
        else:
            self.stdout.write(f"Dry run: {summary} would be deleted. Run again with --apply to delete.")
