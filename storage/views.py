"""Server-rendered storage pages. Bytes never pass through here: uploads use the API.

The file browser is one page (`/` and `/f/<folder id>`) that renders the folder's first
listing page on the server, so it reads without JavaScript, and hands the same data to
static/js/browser/, which drives everything else through the JSON API. A folder shared
with the signed-in user opens in the same browser, with their role's actions only
(sharing.access decides; anyone else's folder answers 404).
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from kosha.errors import InvalidInput, NotFound
from plans.selectors import usage_get_for_user
from sharing.access import Need, folder_for_actor
from sharing.change_marks import changes_tag_for_user
from sharing.collections import recent_for_actor, starred_for_actor
from sharing.selectors import folder_items_for_grant
from storage.api.folders import listing_body, mark_shared
from storage.search import SEARCH_TYPES


def _percent(part: int, whole: int) -> float:
    if whole <= 0:
        return 100.0 if part > 0 else 0.0
    return min(100.0, round(part * 100 / whole, 1))


def _usage_context(user) -> dict:
    usage = usage_get_for_user(user=user)
    return {
        "usage": usage,
        "plan": usage.plan,
        "used_percent": _percent(usage.used_bytes + usage.reserved_bytes, usage.plan.storage_bytes),
        "files_percent": _percent(usage.file_count, usage.plan.max_files),
    }


# The cross-folder views the file browser also shows: name -> (title, selector, empty text).
COLLECTIONS = {
    "recent": ("Recent", recent_for_actor, "Files you or your collaborators change show up here."),
    "starred": ("Starred", starred_for_actor, "Star files and folders to find them here quickly."),
}


def _collection(request: HttpRequest, *, name: str) -> HttpResponse:
    """The file browser over Recent or Starred: items from many folders (each with its
    own role, so the page offers only what every role allows: open, download, copy,
    versions, star), first page rendered here like a folder's."""
    changes_tag = changes_tag_for_user(user=request.user)
    title, selector, empty_text = COLLECTIONS[name]
    page = selector(actor=request.user)
    listing = {
        "items": page.items,
        "next": page.next_cursor,
        "breadcrumbs": [],
        "role": "viewer",
        "owner": request.user.email,
    }
    return _browser_render(
        request,
        changes_tag=changes_tag,
        items=page.items,
        listing=listing,
        shared_by=None,
        collection=name,
        collection_title=title,
        collection_empty=empty_text,
        folder=None,
        breadcrumbs=[],
    )


@login_required
@require_GET
@ensure_csrf_cookie
def recent_page(request: HttpRequest) -> HttpResponse:
    """Recent: files in the user's space and shared with them, most recently changed first."""
    return _collection(request, name="recent")


@login_required
@require_GET
@ensure_csrf_cookie
def starred_page(request: HttpRequest) -> HttpResponse:
    """Starred: the files and folders the user starred and may still see."""
    return _collection(request, name="starred")


def _browser(request: HttpRequest, *, folder_id: str | None) -> HttpResponse:
    # Read before the listing: a change after this moves the tag the page starts polling
    # from (static/js/browser/live.js), one before it is in the listing.
    changes_tag = changes_tag_for_user(user=request.user)
    try:
        folder = folder_for_actor(actor=request.user, folder_id=folder_id, need=Need.VIEW) if folder_id else None
        page = folder_items_for_grant(actor=request.user, folder=folder)
    except (NotFound, InvalidInput):
        # Another user's folder answers exactly like one that does not exist.
        raise Http404("Folder not found.") from None
    if folder is None or folder.grant.is_owner:
        mark_shared(page.items, owner=request.user, folder=folder)
    listing = listing_body(page, folder=folder, actor=request.user)
    return _browser_render(
        request,
        changes_tag=changes_tag,
        items=page.items,
        listing=listing,
        shared_by=folder.owner if folder is not None and not folder.grant.is_owner else None,
        # Someone else's folder is under "Shared with me" in the main navigation, not "Files".
        nav_shared=folder is not None and not folder.grant.is_owner,
        folder=page.breadcrumbs[-1] if page.breadcrumbs else None,
        breadcrumbs=page.breadcrumbs,
        folders=[item for item in page.items if item["kind"] == "folder"],
        files=[item for item in page.items if item["kind"] == "file"],
    )


def _browser_render(
    request: HttpRequest, *, changes_tag: str, items: list[dict], listing: dict, shared_by, **context
) -> HttpResponse:
    """The file browser page, for a folder or a collection: its first items, the listing
    the scripts take over from, the actions of the caller's role (listing["role"]),
    search, the tag live changes poll from, and the caller's usage; `context` adds what
    the kind of page shows."""
    role = listing["role"]
    context |= {
        "items": items,
        "listing": listing,
        "role": role,
        "can_edit": role in ("owner", "editor"),
        "shared_by": shared_by,
        "search_types": SEARCH_TYPES,
        "changes_tag": changes_tag,
        "changes_poll_seconds": settings.KOSHA_CHANGES_POLL_SECONDS,
        **_usage_context(request.user),
    }
    return render(request, "files/browser.html", context)


@login_required
@require_GET
@ensure_csrf_cookie  # the page's scripts send the CSRF cookie back as a header on API calls
def home(request: HttpRequest) -> HttpResponse:
    """The file browser at the root folder, with the user's usage against the plan."""
    return _browser(request, folder_id=None)


@login_required
@require_GET
@ensure_csrf_cookie
def folder_page(request: HttpRequest, folder_id: str) -> HttpResponse:
    """The file browser at a live folder the user may see (theirs or shared with them);
    404 for anyone else's."""
    return _browser(request, folder_id=folder_id)


@login_required
@require_GET
@ensure_csrf_cookie
def trash_page(request: HttpRequest) -> HttpResponse:
    """The trash: listed, restored and emptied by static/js/browser/trash.js (entry point static/js/pages/trash.js) through the API."""
    return render(request, "files/trash.html", {"search_types": SEARCH_TYPES})
