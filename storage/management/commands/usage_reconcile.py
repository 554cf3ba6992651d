import uuid

from django.core.management.base import BaseCommand

from storage.services.janitors import usage_reconcile


class Command(BaseCommand):
    help = "Recompute usage counters from the stored rows, correct drift and record it (plans.UsageDrift)."

    def add_arguments(self, parser):
        parser.add_argument("--user", type=uuid.UUID, help="Only this user (a user id).")

    def handle(self, *args, user=None, **options):
        drift = usage_reconcile(user_id=user)
        for row in drift:
            self.stdout.write(f"{row.user_id}\t{row.field}\t{row.recorded} -> {row.actual}")
        self.stdout.write(f"Corrected {len(drift)} counter(s).")
