"""The user's own activity page."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from activity.selectors import activity_list_for_user
from kosha.errors import InvalidInput


@login_required
@require_GET
def activity_list(request: HttpRequest) -> HttpResponse:
    try:
        page = activity_list_for_user(user=request.user, cursor=request.GET.get("cursor") or None)
    except InvalidInput as exc:
        return render(request, "activity/list.html", {"events": [], "error": exc.message}, status=400)
    return render(request, "activity/list.html", {"events": page.items, "next_cursor": page.next_cursor})
