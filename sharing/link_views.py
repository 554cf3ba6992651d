"""The public link pages under /s/<token>: a file, a folder to browse, or a drop (whose
uploads are drop_views.py).

Every request resolves the token again (selectors.link_get_by_token), so a revoked,
expired or used-up link stops at once. Unknown, tampered and used-up links answer a
plain 404 page, expired and revoked ones a plain 410 page; neither names the item. A
link with a password answers its form until this browser session unlocks it. Items
behind a link are reached through sharing.access (`*_for_link`); what a visitor does is
recorded with no actor, via "link".
"""

from __future__ import annotations

import functools

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_http_methods

from kosha.addresses import client_ip
from kosha.api import error_json
from kosha.errors import (
    DomainError,
    Gone,
    InvalidInput,
    NotFound,
    PasswordRequired,
    QuotaExceeded,
    RateLimited,
    WrongPassword,
)
from kosha.json_body import json_object_read
from kosha.origin import Origin
from kosha.pages import restart_on_bad_cursor
from sharing import selectors
from sharing.access import archive_for_link, file_for_link, folder_for_link
from sharing.models import LinkEvent, ShareLink
from sharing.services.link_visits import link_download_count, link_password_check, link_visit_record
from storage.disposition import inline_clean, is_inline_safe
from storage.downloads import version_download_url
from storage.models import FolderArchive
from storage.services.archives import archive_download_url, folder_archive_start
from storage.services.downloads import file_download_url

UNLOCKED_SESSION_KEY = "sharing_unlocked_links"


def _unavailable(request: HttpRequest, exc: DomainError) -> HttpResponse:
    gone = isinstance(exc, Gone)
    response = render(
        request,
        "sharing/unavailable.html",
        {"gone": gone, "rate_limited": isinstance(exc, RateLimited)},
        status=exc.status,
    )
    for header, value in exc.extra_headers.items():
        response[header] = value
    return response


def _json_error(exc: DomainError) -> JsonResponse:
    if isinstance(exc, QuotaExceeded):
        # The owner's numbers are not the dropper's business.
        exc = QuotaExceeded("This folder cannot take this file.")
    return error_json(exc)


# --- unlocking a password-protected link ---------------------------------------------------


def _unlock_mark(link: ShareLink) -> str:
    # Bound to the current password hash: changing the password locks every session out.
    return salted_hmac("sharing.link-unlock", f"{link.pk}:{link.password_hash}").hexdigest()


def _is_unlocked(request: HttpRequest, link: ShareLink) -> bool:
    if not link.has_password:
        return True
    mark = request.session.get(UNLOCKED_SESSION_KEY, {}).get(str(link.pk))
    return isinstance(mark, str) and constant_time_compare(mark, _unlock_mark(link))


def _unlock(request: HttpRequest, link: ShareLink) -> None:
    unlocked = dict(request.session.get(UNLOCKED_SESSION_KEY, {}))
    unlocked[str(link.pk)] = _unlock_mark(link)
    request.session[UNLOCKED_SESSION_KEY] = unlocked


def public_link(*, json_errors: bool = False, needs_unlock: bool = True):
    """Resolve the token into `link` (or answer 404/410), and refuse a locked link (403)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, token, *args, **kwargs):
            try:
                link = selectors.link_get_by_token(token=token)
                if needs_unlock and not _is_unlocked(request, link):
                    raise PasswordRequired() if json_errors else _Locked()
                return view(request, link, *args, **kwargs)
            except _Locked:
                return render(request, "sharing/unavailable.html", {"locked": True, "token": token}, status=403)
            except DomainError as exc:
                return _json_error(exc) if json_errors else _unavailable(request, exc)

        return wrapper

    return decorate


class _Locked(Exception):
    pass


# --- pages ------------------------------------------------------------------------------------


def _folder_context(request, link: ShareLink, folder) -> dict:
    page = selectors.link_folder_items(
        link=link, folder=folder, sort=request.GET.get("sort"), cursor=request.GET.get("cursor")
    )
    return {"folder": folder, "page": page, "token": request.resolver_match.kwargs["token"]}


@require_http_methods(["GET", "HEAD", "POST"])
@ensure_csrf_cookie  # the drop page's script sends the CSRF cookie back as a header
@public_link(needs_unlock=False)
@restart_on_bad_cursor()  # inside public_link, which shows any other error as "unavailable"
def link_page(request: HttpRequest, link: ShareLink) -> HttpResponse:
    token = request.resolver_match.kwargs["token"]
    if not _is_unlocked(request, link):
        if request.method != "POST":
            return render(request, "sharing/password.html", {"token": token})
        try:
            link_password_check(link=link, password=request.POST.get("password"), address=client_ip(request))
        except WrongPassword:
            return render(request, "sharing/password.html", {"token": token, "wrong": True}, status=403)
        except RateLimited as exc:
            return _unavailable(request, exc)
        _unlock(request, link)
        return redirect(reverse("sharing:link", args=[token]))
    if request.method == "POST":
        return redirect(reverse("sharing:link", args=[token]))

    link_visit_record(link=link, kind=LinkEvent.Kind.ACCESSED, address=client_ip(request))
    if link.is_drop:
        return render(request, "sharing/drop.html", {"token": token})
    if link.folder_id:
        return render(request, "sharing/folder.html", _folder_context(request, link, link.folder))
    file = link.file
    preview_url = None
    # A preview is the bytes: with a download limit, only counted downloads hand them out.
    if link.max_downloads is None and file.current_version and is_inline_safe(file.content_type):
        preview_url = request.build_absolute_uri(
            version_download_url(file=file, version=file.current_version, inline=True)
        )
    return render(request, "sharing/file.html", {"file": file, "token": token, "preview_url": preview_url})


@require_http_methods(["GET", "HEAD"])
@ensure_csrf_cookie  # "Download all" posts with the CSRF cookie as a header
@public_link()
@restart_on_bad_cursor()
def link_folder(request: HttpRequest, link: ShareLink, folder_id: str) -> HttpResponse:
    folder = folder_for_link(link=link, folder_id=folder_id)
    return render(request, "sharing/folder.html", _folder_context(request, link, folder))


@require_http_methods(["GET", "HEAD"])
@public_link()
def link_download(request: HttpRequest, link: ShareLink, file_id: str) -> HttpResponse:
    file = file_for_link(link=link, file_id=file_id)
    origin = Origin.of(request, via="link")
    if file.current_version is None:
        raise NotFound()
    if request.method == "HEAD":
        # A HEAD (link checkers, previews in chat apps) is no download: nothing is counted,
        # and no signed URL is handed out that a later GET could use uncounted.
        return HttpResponse(status=200)
    try:
        inline = inline_clean(request.GET.get("inline"))  # before the count: bad input changes nothing
    except InvalidInput as exc:
        return error_json(exc)
    link_download_count(link=link, address=origin.ip)
    url = file_download_url(actor=None, file=file, inline=inline, origin=origin)
    return redirect(request.build_absolute_uri(url))


# --- "Download all": a zip of a folder the link reaches, with the owner's archive machinery ----


def _archive_body(request: HttpRequest, archive: FolderArchive, token: str) -> dict:
    ready = archive.status == FolderArchive.Status.READY
    return {
        "id": str(archive.pk),
        "status": archive.status,
        "error": archive.error or None,
        "poll": reverse("sharing:link-archive-detail", args=[token, archive.pk]),
        "url": request.build_absolute_uri(archive_download_url(archive=archive)) if ready else None,
    }


@require_http_methods(["POST"])
@public_link(json_errors=True)
def link_archive_start(request: HttpRequest, link: ShareLink) -> JsonResponse:
    """Ask for a zip of the link's folder or a folder below it (`{"folder": id}`, absent
    or null: the link's own). Counts as one download of the link (refused once its limit
    is reached). 202 with the archive to poll; 404 for a folder the link does not reach."""
    folder_id = json_object_read(request).get("folder") or link.folder_id
    if link.folder_id is None or link.is_drop:
        raise NotFound()
    folder = folder_for_link(link=link, folder_id=folder_id)
    origin = Origin.of(request, via="link")
    link_download_count(link=link, address=origin.ip)
    archive = folder_archive_start(actor=None, folder=folder, origin=origin)
    token = request.resolver_match.kwargs["token"]
    return JsonResponse(_archive_body(request, archive, token), status=202)


@require_http_methods(["GET"])
@public_link(json_errors=True)
def link_archive_detail(request: HttpRequest, link: ShareLink, archive_id: str) -> JsonResponse:
    """A zip asked for through this link: its status, and a short-lived URL when ready.
    404 for an archive of a folder the link does not reach."""
    archive = archive_for_link(link=link, archive_id=archive_id)
    token = request.resolver_match.kwargs["token"]
    return JsonResponse(_archive_body(request, archive, token))
