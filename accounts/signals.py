"""Signals the accounts app sends; other apps connect to them (accounts imports none)."""

from django.dispatch import Signal

# Sent (on commit) when an account's deletion is requested, with `user_id` and `source`.
# storage connects the purge of the account's objects and rows to it.
account_deletion_requested = Signal()
