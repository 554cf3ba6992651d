"""The invitation page, /invitations/<token>: where an invitation e-mail's link lands.

Opening it proves the visitor reads the invited address's mail. Signed out: the page says
who shares what and offers to create the account (the address is stashed as verified for
allauth's sign-up, which prefills it) or to sign in; both come back here. Signed in with
the invited address: every pending invitation of that address becomes a share and the
shared item opens. Signed in as someone else: the page says which address it is for.
Unknown tokens answer 404, expired invitations 410, like links; neither names the item.
"""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from kosha.errors import Gone, NotFound
from sharing.invitations import invitation_by_token, invitations_accept
from sharing.models import Invitation


def _item_url(invitation: Invitation) -> str:
    # A folder opens in the file browser; a file is listed under Shared with me.
    if invitation.folder_id:
        return reverse("folder", args=[invitation.folder_id])
    return reverse("sharing:shared-with-me")


@require_GET
def invitation_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = invitation_by_token(token=token)
    except NotFound:
        raise Http404("No such invitation.") from None
    except Gone:
        return render(request, "sharing/unavailable.html", {"gone": True}, status=410)
    here = reverse("sharing:invitation", args=[token])
    user = request.user
    if user.is_authenticated:
        accepted_by_user = invitation.share is not None and invitation.share.grantee_id == user.pk
        if invitation.accepted_at is None and user.email.lower() == invitation.email:
            invitations_accept(user=user, email=invitation.email)
            accepted_by_user = True
        if accepted_by_user or invitation.owner_id == user.pk:
            return redirect(_item_url(invitation))
        return render(request, "sharing/invitation.html", {"invitation": invitation, "other_account": True})
    if invitation.accepted_at is not None:
        return redirect(f"{reverse('account_login')}?{urlencode({'next': here})}")
    # Whoever holds this link reads the address's mail: the sign-up counts it as verified.
    get_adapter(request).stash_verified_email(request, invitation.email)
    return render(
        request,
        "sharing/invitation.html",
        {
            "invitation": invitation,
            "signup_url": f"{reverse('account_signup')}?{urlencode({'next': here})}",
            "login_url": f"{reverse('account_login')}?{urlencode({'next': here})}",
        },
    )
