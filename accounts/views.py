"""Account settings: the signed-in user's email, password, two-factor, API tokens, usage and plan."""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.forms import (
    AccountDeleteForm,
    ApiTokenCreateForm,
    ApiTokenRevokeForm,
    AppPasswordCreateForm,
    AppPasswordRevokeForm,
)
from accounts.selectors import api_token_list_for_user, app_password_list_for_user
from accounts.services import (
    DeletionSource,
    account_delete_request,
    api_token_create,
    api_token_revoke,
    app_password_create,
    app_password_revoke,
)
from kosha.errors import DomainError
from kosha.pages import MAX_LIMIT
from plans.selectors import plan_list
from sharing.selectors import pending_uploads_for_owner
from storage.selectors import usage_get_with_trash_bytes


def _percent(part: int, whole: int) -> float:
    if whole <= 0:
        return 100.0 if part > 0 else 0.0
    return min(100.0, round(part * 100 / whole, 1))


def _usage_context(user) -> dict:
    """The user's usage against their plan, as the usage card on the settings pages shows it."""
    usage = usage_get_with_trash_bytes(user=user)
    plan = usage.plan
    return {
        "usage": usage,
        "plan": plan,
        "used_percent": _percent(usage.used_bytes + usage.reserved_bytes, plan.storage_bytes),
        "files_percent": _percent(usage.file_count, plan.max_files),
    }


def _render_settings(request: HttpRequest, *, create_form: ApiTokenCreateForm, new_key: str | None = None, status=200):
    context = {
        "tokens": api_token_list_for_user(user=request.user),
        "create_form": create_form,
        "new_key": new_key,
        **_usage_context(request.user),
    }
    return render(request, "settings/index.html", context, status=status)


def _render_app_passwords(
    request: HttpRequest, *, create_form: AppPasswordCreateForm, new_key: str | None = None, status=200
):
    context = {
        "app_passwords": app_password_list_for_user(user=request.user),
        "create_form": create_form,
        "new_key": new_key,
        "dav_url": request.build_absolute_uri("/dav/"),  # dav.app.DAV_PREFIX
    }
    return render(request, "settings/app_passwords.html", context, status=status)


@dataclass(frozen=True)
class _KeyKind:
    """A kind of personal key as its settings page makes and revokes it: the create and
    revoke forms' fields are the services' keyword arguments."""

    what: str  # "token", "app password"
    create: Callable
    revoke: Callable
    render: Callable  # the page with its list, the create form and a new key
    page: str  # the page's URL name
    revoked: str  # the message after a revoke


# Positional, in the order of _KeyKind's fields.
_TOKENS = _KeyKind(
    "token",
    api_token_create,
    api_token_revoke,
    _render_settings,
    "settings",
    "Token revoked. Anything using it can no longer sign in.",
)
_APP_PASSWORDS = _KeyKind(
    "app password",
    app_password_create,
    app_password_revoke,
    _render_app_passwords,
    "settings_app_passwords",
    "App password revoked. The device using it can no longer connect.",
)


def _key_create(request: HttpRequest, form: forms.Form, kind: _KeyKind) -> HttpResponse:
    """Make a key from a create form; the page shows it this once."""
    if not form.is_valid():
        return kind.render(request, create_form=form, status=400)
    try:
        row, key = kind.create(user=request.user, **form.cleaned_data)
    except DomainError as error:
        form.add_error("name", error.message)
        return kind.render(request, create_form=form, status=400)
    # The key is rendered into this response only (no redirect, no session): it is never stored.
    messages.success(request, f"{kind.what.capitalize()} “{row.name}” created.")
    return kind.render(request, create_form=type(form)(), new_key=key)


def _key_revoke(request: HttpRequest, form: forms.Form, kind: _KeyKind) -> HttpResponse:
    """Revoke the key a revoke form names; back to the list with what happened."""
    if not form.is_valid():
        messages.error(request, f"That {kind.what} could not be found.")
        return redirect(kind.page)
    try:
        kind.revoke(user=request.user, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, kind.revoked)
    return redirect(kind.page)


@never_cache
@login_required
@require_GET
def settings_index(request: HttpRequest) -> HttpResponse:
    return _render_settings(request, create_form=ApiTokenCreateForm())


@never_cache
@login_required
@require_GET
def pending_uploads_page(request: HttpRequest) -> HttpResponse:
    """The unfinished uploads into the user's space, whoever started them (the user, an
    editor of a shared folder, a visitor through a drop link), newest first, each with
    what holds it (name, folder, size, who or which link, started, expires). Abort, one
    or all of a link's, goes through the API (DELETE /api/v1/uploads/<id>/) from the
    page's script. One query for the page (sharing.selectors.pending_uploads_for_owner)."""
    page = pending_uploads_for_owner(owner=request.user, limit=MAX_LIMIT)
    rows, links = [], {}
    for upload in page.items:
        admission = getattr(upload, "drop_start", None)  # a visitor's start through a drop link
        link = admission.link if admission is not None else None
        rows.append({"upload": upload, "link": link})
        if link is not None:
            links.setdefault(link.pk, {"link": link, "count": 0})["count"] += 1
    context = {"rows": rows, "links": list(links.values()), "more": page.next_cursor is not None}
    return render(request, "settings/uploads.html", {**context, **_usage_context(request.user)})


@never_cache
@login_required
@require_GET
def plan_page(request: HttpRequest) -> HttpResponse:
    """The tiers and their limits, the user's own marked. Only an operator changes plans."""
    context = {"plans": plan_list(), **_usage_context(request.user)}
    return render(request, "settings/plan.html", context)


@never_cache
@login_required
@require_POST
def api_token_create_view(request: HttpRequest) -> HttpResponse:
    return _key_create(request, ApiTokenCreateForm(request.POST), _TOKENS)


@login_required
@require_POST
def api_token_revoke_view(request: HttpRequest) -> HttpResponse:
    return _key_revoke(request, ApiTokenRevokeForm(request.POST), _TOKENS)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def app_passwords_view(request: HttpRequest) -> HttpResponse:
    """App passwords for WebDAV devices: GET lists them (name, created, last used); POST
    makes one and shows its key once, with the /dav/ URL and the username to type."""
    if request.method == "GET":
        return _render_app_passwords(request, create_form=AppPasswordCreateForm())
    return _key_create(request, AppPasswordCreateForm(request.POST), _APP_PASSWORDS)


@login_required
@require_POST
def app_password_revoke_view(request: HttpRequest) -> HttpResponse:
    return _key_revoke(request, AppPasswordRevokeForm(request.POST), _APP_PASSWORDS)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def account_delete_view(request: HttpRequest) -> HttpResponse:
    """The confirmation step: the password again, then the account is locked and purged."""
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "GET" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        return render(request, "settings/delete_account.html", {"form": form}, status=status)
    account_delete_request(user=request.user, source=DeletionSource.SETTINGS)
    logout(request)
    messages.success(request, "Your account is being deleted, with every file in it.")
    return redirect("account_login")
