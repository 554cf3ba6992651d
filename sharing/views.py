"""The signed-in user's sharing pages: what others share with them (/shared/) and what
they share (/shared/by-me/: their links and their shares with people, each revocable).

The public link pages are in link_views.py, the drop uploads in drop_views.py, the
invitation page in invitation_views.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from kosha.errors import NotFound
from kosha.origin import Origin
from kosha.pages import restart_on_bad_cursor
from sharing import selectors
from sharing.access import link_for_actor, link_state, share_for_actor
from sharing.api.serializers import ShareLinkOutput
from sharing.link_tokens import token_open
from sharing.models import ShareLink
from sharing.services.links import share_link_revoke
from sharing.services.shares import share_delete

T = TypeVar("T")


# --- what other people share with the signed-in user --------------------------------------


@login_required
@require_GET
@restart_on_bad_cursor("sharing:shared-with-me")
def shared_with_me_page(request: HttpRequest) -> HttpResponse:
    """The items shared with the signed-in user, newest first (the shared-with-me selector
    the API lists too), a page at a time over its cursor."""
    page = selectors.shares_with_user(user=request.user, cursor=request.GET.get("cursor"))
    return render(request, "sharing/shared_with_me.html", {"shares": page.items, "next_cursor": page.next_cursor})


@login_required
@require_GET
def shared_folder_page(request: HttpRequest, folder_id: str) -> HttpResponse:
    """The old address of a folder shared with the user: the file browser serves shared
    folders at /f/<id> like one's own (permanent redirect; the browser checks access)."""
    return redirect(reverse("folder", args=[folder_id]), permanent=True)


# --- what the signed-in user shares ---------------------------------------------------------


def _address(request: HttpRequest, link: ShareLink) -> str | None:
    token = token_open(link.token_sealed)
    return request.build_absolute_uri(reverse("sharing:link", args=[token])) if token else None


@login_required
@require_GET
@restart_on_bad_cursor("sharing:shared-by-me")
def shared_by_me_page(request: HttpRequest) -> HttpResponse:
    """Everything the signed-in user shares: their links (whether each opens now, its
    address to copy, name, expiry, password and downloads) and their shares with people, newest first,
    each list a page at a time over its own cursor (`links`, `shares`), each with revoke.
    Two queries (one per list) beside the session's."""
    links = selectors.share_link_list_for_owner(owner=request.user, cursor=request.GET.get("links"))
    shares = selectors.share_list_for_owner(owner=request.user, cursor=request.GET.get("shares"))
    now = timezone.now()
    rows = [(link, link_state(link, now=now), _address(request, link)) for link in links.items]
    # The links as the API lists them, for the page's Edit and Copy link (static/js/pages/shared-by-me.js).
    links_data = ShareLinkOutput(links.items, many=True, context={"request": request}).data
    return render(
        request,
        "sharing/shared_by_me.html",
        {
            "links": rows,
            "links_data": links_data,
            "links_next": links.next_cursor,
            "shares": shares.items,
            "shares_next": shares.next_cursor,
        },
    )


def _mine_or_404(lookup: Callable[..., T], what: str, **ids: Any) -> T:
    # sharing.access answers NotFound for another user's row; a page answers Django's 404.
    try:
        return lookup(**ids)
    except NotFound:
        raise Http404(f"{what} not found.") from None


@login_required
@require_POST
def shared_by_me_link_revoke(request: HttpRequest, link_id: str) -> HttpResponse:
    """Revoke one of the user's links (another user's answers 404, as sharing.access says)."""
    link = _mine_or_404(link_for_actor, "Link", link_id=link_id, actor=request.user)
    share_link_revoke(actor=request.user, link=link, origin=Origin.of(request, via="web"))
    messages.success(request, "The link is turned off.")
    return redirect("sharing:shared-by-me")


@login_required
@require_POST
def shared_by_me_share_delete(request: HttpRequest, share_id: str) -> HttpResponse:
    """Stop sharing with one person (another user's share answers 404, as sharing.access says)."""
    share = _mine_or_404(share_for_actor, "Share", share_id=share_id, actor=request.user)
    share_delete(actor=request.user, share=share, origin=Origin.of(request, via="web"))
    messages.success(request, f"{share.grantee_email} no longer has access.")
    return redirect("sharing:shared-by-me")
