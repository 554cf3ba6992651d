"""plans reacts to accounts (which must not import plans): every new user gets a Usage row."""

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from plans.services import usage_create


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="plans_usage_for_new_user")
def usage_for_new_user(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        usage_create(user=instance)
