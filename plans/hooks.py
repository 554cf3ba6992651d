"""Signals plans sends; other apps connect to them (plans imports none of them)."""

from django.dispatch import Signal

# Sent inside the transaction that grew a user's used bytes (quota_commit, quota_charge),
# under the Usage row lock, with user_id, before and after (used bytes) and limit (the
# plan's storage bytes). Notifications connect the 80/95/100 % notices to it.
usage_grew = Signal()
