"""Sign-ins and failed sign-ins, from Django's auth signals (allauth sends its logins
through django.contrib.auth, so both web and admin sign-ins arrive here). The account is
both the actor and the owner of these events."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest

from activity.models import ActivityEvent
from activity.services import activity_record
from kosha.origin import Origin


def _origin(request: HttpRequest | None) -> Origin | None:
    if request is None:
        return None
    # The admin signs in through allauth's page too; its path tells the two apart.
    return Origin.of(request, via="admin" if request.path.startswith("/admin/") else "web")


@receiver(user_logged_in, dispatch_uid="activity_login")
def record_login(sender, request, user, **kwargs):
    with transaction.atomic():
        activity_record(kind=ActivityEvent.Kind.LOGIN, actor=user, owner=user, origin=_origin(request))


@receiver(user_login_failed, dispatch_uid="activity_login_failed")
def record_login_failed(sender, credentials, request=None, **kwargs):
    # Django has already masked the password in `credentials`. Nobody known acted: the
    # attempt is recorded in the space of the account it named, so its owner sees
    # someone trying their address.
    identifier = str(credentials.get("email") or credentials.get("username") or credentials.get("login") or "")[:254]
    account = get_user_model().objects.filter(email__iexact=identifier).first() if identifier else None
    with transaction.atomic():
        activity_record(
            kind=ActivityEvent.Kind.LOGIN_FAILED,
            actor=None,
            owner=account,
            origin=_origin(request),
            detail={"identifier": identifier},
        )
