"""The drop uploads under /s/<token>/uploads/: the upload protocol (start, state, part
URLs, complete, abort) for anyone holding a drop link, in JSON like the API.

A start is admitted against the link's per-window caps (sharing.drops) and goes into the
link's folder under a new name, never replacing the owner's files. A browser reaches only
the uploads it started through this link (kept in its session); the answers never name
anything else in the folder.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_http_methods

from kosha.addresses import client_ip
from kosha.errors import DomainError
from kosha.json_body import json_object_read
from kosha.origin import Origin
from sharing.access import drop_place_for_link, upload_for_link
from sharing.drops import drop_reservation_lifetime, drop_start_admit, drop_start_attach, drop_start_release
from sharing.link_views import public_link
from sharing.models import LinkEvent, ShareLink
from sharing.services.link_visits import link_visit_record
from storage.api.fields import CompleteInput, DropUploadStartInput, PartsInput, input_clean
from storage.api.serializers import parts_body, upload_start_body, upload_state_body
from storage.models import UploadSession
from storage.services.uploads import upload_abort, upload_complete, upload_parts_presign, upload_start, upload_state

DROP_SESSION_KEY = "sharing_drop_uploads"


def _drop_upload(request: HttpRequest, link: ShareLink, upload_id: str) -> UploadSession:
    """A session this browser started through this drop link (sharing.access.upload_for_link)."""
    started_here = request.session.get(DROP_SESSION_KEY, {}).get(str(link.pk), [])
    return upload_for_link(link=link, upload_id=upload_id, started_here=started_here)


@require_http_methods(["POST"])
@public_link(json_errors=True)
def drop_upload_start(request: HttpRequest, link: ShareLink) -> JsonResponse:
    place = drop_place_for_link(link=link)
    body = input_clean(DropUploadStartInput, json_object_read(request))
    admission = drop_start_admit(link=link, address=client_ip(request), size_bytes=body["size"])
    try:
        started = upload_start(
            actor=None,  # a visitor holding the link: nobody known
            place=place,
            name=body["name"],
            size_bytes=body["size"],
            content_type=body.get("content_type"),
            sha256=body.get("sha256"),
            # A dropper never replaces or versions the owner's files: a taken name gets "(2)".
            on_conflict=UploadSession.OnConflict.RENAME,
            lifetime=drop_reservation_lifetime(),
        )
    except DomainError:
        drop_start_release(admission=admission)
        raise
    drop_start_attach(admission=admission, upload=started.upload)
    drops = dict(request.session.get(DROP_SESSION_KEY, {}))
    drops[str(link.pk)] = [*drops.get(str(link.pk), []), str(started.upload.pk)][-100:]
    request.session[DROP_SESSION_KEY] = drops
    return JsonResponse(upload_start_body(request, started), status=201)


@require_http_methods(["GET", "DELETE"])
@public_link(json_errors=True)
def drop_upload_detail(request: HttpRequest, link: ShareLink, upload_id: str) -> HttpResponse:
    upload = _drop_upload(request, link, upload_id)
    if request.method == "DELETE":
        upload_abort(upload=upload)
        return HttpResponse(status=204)
    body = upload_state_body(upload_state(upload=upload))
    body.pop("file", None)
    body.pop("folder", None)
    return JsonResponse(body)


@require_http_methods(["POST"])
@public_link(json_errors=True)
def drop_upload_parts(request: HttpRequest, link: ShareLink, upload_id: str) -> JsonResponse:
    upload = _drop_upload(request, link, upload_id)
    signed = upload_parts_presign(upload=upload, numbers=input_clean(PartsInput, json_object_read(request))["numbers"])
    return JsonResponse(parts_body(request, signed))


@require_http_methods(["POST"])
@public_link(json_errors=True)
def drop_upload_complete(request: HttpRequest, link: ShareLink, upload_id: str) -> JsonResponse:
    upload = _drop_upload(request, link, upload_id)
    origin = Origin.of(request, via="link")
    parts = input_clean(CompleteInput, json_object_read(request)).get("parts")
    version = upload_complete(actor=None, upload=upload, parts=parts, origin=origin)
    link_visit_record(link=link, kind=LinkEvent.Kind.UPLOADED, address=origin.ip)
    # Only what the dropper sent: no ids or names of anything else in the folder.
    return JsonResponse({"status": "completed", "name": version.file.name, "size": version.size_bytes})
