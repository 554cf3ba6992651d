"""The user's own activity page."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from activity.presentation import event_views
from activity.selectors import activity_list_for_user
from kosha.pages import restart_on_bad_cursor


@login_required
@require_GET
@restart_on_bad_cursor("activity")
def activity_list(request: HttpRequest) -> HttpResponse:
    """What the user did anywhere and what anyone did in their space, newest first, as
    activity.presentation words it; times in the browser's zone (static/js/lib/local-times.js,
    UTC without script). Two queries beside the session's: the page of events with their
    actors, and nothing per row. A bad cursor starts again at the newest, as every page does."""
    page = activity_list_for_user(user=request.user, cursor=request.GET.get("cursor") or None)
    events = event_views(page.items, viewer=request.user)
    return render(request, "activity/list.html", {"events": events, "next_cursor": page.next_cursor})
