"""Sign-ins and failed sign-ins, from Django's auth signals (allauth sends its logins
through django.contrib.auth, so both web and admin sign-ins arrive here)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from activity.models import ActivityEvent
from activity.services import activity_record
from kosha.addresses import client_ip


@receiver(user_logged_in, dispatch_uid="activity_login")
def record_login(sender, request, user, **kwargs):
    activity_record(
        kind=ActivityEvent.Kind.LOGIN,
        actor=user,
        ip_address=client_ip(request) if request is not None else None,
    )


@receiver(user_login_failed, dispatch_uid="activity_login_failed")
def record_login_failed(sender, credentials, request=None, **kwargs):
    # Django has already masked the password in `credentials`. The attempt is shown to
    # the account it named, so its owner sees someone trying their address.
    identifier = str(credentials.get("email") or credentials.get("username") or credentials.get("login") or "")[:254]
    actor = get_user_model().objects.filter(email__iexact=identifier).first() if identifier else None
    activity_record(
        kind=ActivityEvent.Kind.LOGIN_FAILED,
        actor=actor,
        detail={"identifier": identifier},
        ip_address=client_ip(request) if request is not None else None,
    )
