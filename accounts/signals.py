"""Connects a row deletion that skipped the purge flow to the store cleanup.

Every entry point (settings page, admin, identity webhook) asks for deletion through
`account_delete_request`, which purges the objects before the rows. A User deleted any
other way (a shell, a script) would leave its objects behind with nothing pointing at
them: this receiver deletes them once the rows are committed. The map is lost first in
that case, so it is a fallback, and logged as such.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django_q.tasks import async_task

logger = logging.getLogger(__name__)


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts_objects_of_deleted_user")
def objects_of_deleted_user(sender, instance, **kwargs):
    if instance.deleting_at is not None:
        return  # the purge flow: the prefix is already empty
    logger.warning("User %s deleted outside the purge flow; deleting its objects after commit", instance.pk)
    user_id = str(instance.pk)
    transaction.on_commit(lambda: async_task("accounts.tasks.account_objects_delete_task", user_id))
