"""The notification pages: the list (/notifications/, mark one or all read) and the e-mail
choices (/settings/notifications/)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kosha.pages import restart_on_bad_cursor
from notifications import selectors, services
from notifications.models import Kind, Notification


def parse_int_id(raw: str) -> int | None:
    """A notice's id (a positive integer that fits the column) or None."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else None


@login_required
@require_GET
@restart_on_bad_cursor("notifications")
def notifications_page(request: HttpRequest) -> HttpResponse:
    """The signed-in user's notices, newest first, a page at a time (`cursor`)."""
    page = selectors.notifications_for_user(user=request.user, cursor=request.GET.get("cursor"))
    return render(request, "notifications/list.html", {"notices": page.items, "next_cursor": page.next_cursor})


@login_required
@require_POST
def notification_open(request: HttpRequest, notification_id: str) -> HttpResponse:
    """Mark one of the user's notices read and go to what it is about (another's: 404)."""
    parsed = parse_int_id(notification_id)
    notice = Notification.objects.filter(pk=parsed, user=request.user).first() if parsed else None
    if notice is None:
        raise Http404("No such notification.")
    services.notifications_mark_read(user=request.user, ids=[notice.pk])
    return redirect(notice.url or "notifications")


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    services.notifications_mark_read(user=request.user)
    messages.success(request, "All notifications are marked read.")
    return redirect("notifications")


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    """Which kinds of notice also arrive by e-mail (every kind shows in the app)."""
    if request.method == "POST":
        services.preferences_set(user=request.user, by_email=request.POST.getlist("email"))
        messages.success(request, "Your e-mail choices are saved.")
        return redirect("notification_settings")
    choices = selectors.email_choices(user=request.user)
    kinds = [(kind, label, choices[kind]) for kind, label in Kind.choices]
    return render(request, "notifications/settings.html", {"kinds": kinds})
