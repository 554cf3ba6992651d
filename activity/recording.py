"""The interfaces' way to log what a request did: actor and address from the request."""

from activity.services import activity_record
from kosha.addresses import client_ip


def activity_from_request(request, *, kind: str, item=None, object_type: str = "", detail: dict | None = None):
    """Record `kind` for the request's user; `item` (a File, Folder, Share or link) names
    the object. Call after the change succeeded."""
    if item is not None and not object_type:
        object_type = type(item).__name__.lower()
    if item is not None and detail is None and getattr(item, "name", None):
        detail = {"name": item.name}
    return activity_record(
        kind=kind,
        actor=request.user,
        object_type=object_type,
        object_id=getattr(item, "pk", None),
        detail=detail,
        ip_address=client_ip(request),
    )
