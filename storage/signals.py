"""storage's reactions to accounts: the purge flow, and a fallback for rows deleted
outside it.

Every entry point (settings page, admin, identity webhook) asks for deletion through
`accounts.services.account_delete_request`, which announces `account_deletion_requested`;
the purge task deletes the objects before the rows. A User deleted any other way (a
shell, a script) would leave its objects behind with nothing pointing at them: the
pre_delete receiver deletes them once the rows are committed. The map is lost first in
that case, so it is a fallback, and logged as such.
"""

import logging

from django.conf import settings
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from accounts.signals import account_deletion_requested
from kosha.task_broker import task_enqueue_after_commit, task_enqueue_logged

logger = logging.getLogger(__name__)


@receiver(account_deletion_requested, dispatch_uid="storage_purge_deleted_account")
def purge_deleted_account(sender, user_id, source, **kwargs):
    # After commit (accounts.services); with the broker down, account_purge_sweep_task purges it.
    task_enqueue_logged("storage.tasks.account_purge_task", str(user_id))


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts_objects_of_deleted_user")
def objects_of_deleted_user(sender, instance, **kwargs):
    if instance.deleting_at is not None:
        return  # the purge flow: the prefix is already empty
    logger.warning("User %s deleted outside the purge flow; deleting its objects after commit", instance.pk)
    user_id = str(instance.pk)
    task_enqueue_after_commit("storage.tasks.account_objects_delete_task", user_id)
