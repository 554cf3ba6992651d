"""What a user's Usage counters should say, recomputed from the stored rows.

The reconciliation janitor compares this with the Usage row (plans owns the row; plans
never imports storage, so storage computes and hands plans the numbers).
"""

import uuid

from django.db.models import Sum

from storage.models import File, FileVersion, UploadSession


def usage_actual_for_user(user_id: uuid.UUID) -> dict[str, int]:
    """used_bytes: every version's size, trash included (trash counts until purged);
    file_count: every File row, trash included; reserved_*: the pending upload sessions
    (a session for a new version of a live file reserves bytes but no file slot).
    Three aggregate queries; call under the user's Usage lock for a consistent answer."""
    used = FileVersion.objects.filter(file__owner_id=user_id).aggregate(total=Sum("size_bytes"))["total"]
    pending = UploadSession.objects.filter(owner_id=user_id, status=UploadSession.Status.PENDING).aggregate(
        total=Sum("size_bytes"), files=Sum("reserved_files")
    )
    return {
        "used_bytes": used or 0,
        "reserved_bytes": pending["total"] or 0,
        "file_count": File.objects.filter(owner_id=user_id).count(),
        "reserved_files": pending["files"] or 0,
    }
