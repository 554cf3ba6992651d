"""Signals plans sends; other apps connect to them (plans imports none of them)."""

from django.dispatch import Signal

# Sent after the transaction that grew a user's used bytes (quota_commit, quota_commit_each, quota_charge)
# commits, with user_id, before and after (used bytes, as that transaction saw them under
# the Usage row lock, so two growths never overlap) and limit (the plan's storage bytes).
# A growth that rolls back is never sent. Notifications connect the 80/95/100 % notices to
# it; a receiver's error is logged and never reaches the caller.
usage_grew = Signal()
