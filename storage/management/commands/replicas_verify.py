from django.core.management.base import BaseCommand, CommandError

from storage.backends import BackendError, get_backend
from storage.services.replication import replicas_verify


class Command(BaseCommand):
    help = (
        "Compare the primary and the replica store with the rows: report missing, mismatched and extra "
        "objects in the replica; --repair copies and deletes to fix them (also scheduled daily)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--repair", action="store_true", help="Copy missing/mismatched, delete extra objects.")

    def handle(self, *args, repair=False, **options):
        if not get_backend().replicating:
            raise CommandError("No replica store is configured (KOSHA_REPLICA_STORAGE).")
        try:
            report = replicas_verify(repair=repair)
        except BackendError as exc:
            raise CommandError(f"A store failed: {exc}") from exc
        for kind in ("missing", "mismatched", "extra"):
            for key in getattr(report, kind):
                self.stdout.write(f"{kind}\t{key}")
        self.stdout.write(
            f"{len(report.missing)} missing, {len(report.mismatched)} mismatched, {len(report.extra)} extra; "
            f"{report.repaired} repaired."
        )
