from django.core.management.base import BaseCommand

from storage.services.uploads import upload_sweep


class Command(BaseCommand):
    help = "Expire pending upload sessions past their expiry (release quota, delete partial objects)."

    def handle(self, *args, **options):
        swept = upload_sweep()
        self.stdout.write(f"Expired {swept} upload session(s).")
