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
from sharing.selectors import folder_items_for_grant
from storage.api.folders import listing_body, mark_shared
from storage.search import SEARCH_TYPES


def _percent(part: int, whole: int) -> float:
    if whole <= 0:
        return 100.0 if part > 0 else 0.0
    return min(100.0, round(part * 100 / whole, 1))


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
        mark_shared(page.items, owner=request.user)
    listing = listing_body(page, folder=folder, actor=request.user)
    usage = usage_get_for_user(user=request.user)
    context = {
        "folder": page.breadcrumbs[-1] if page.breadcrumbs else None,
        "breadcrumbs": page.breadcrumbs,
        "items": page.items,
        "folders": [item for item in page.items if item["kind"] == "folder"],
        "files": [item for item in page.items if item["kind"] == "file"],
        "listing": listing,
        "role": listing["role"],
        "can_edit": listing["role"] in ("owner", "editor"),
        "shared_by": folder.owner if folder is not None and not folder.grant.is_owner else None,
        "usage": usage,
        "plan": usage.plan,
        "used_percent": _percent(usage.used_bytes + usage.reserved_bytes, usage.plan.storage_bytes),
        "files_percent": _percent(usage.file_count, usage.plan.max_files),
        "search_types": SEARCH_TYPES,
        "changes_tag": changes_tag,
        "changes_poll_seconds": settings.KOSHA_CHANGES_POLL_SECONDS,
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
