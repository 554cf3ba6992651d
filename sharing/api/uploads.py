"""Bodies of the upload protocol's answers, shared by the grantee API and the drop pages
so that both speak exactly what /api/v1/uploads/ speaks."""

from storage.api.serializers import StoredPartOutput, UploadOutput
from storage.services.uploads import UploadStart, UploadState


def presigned_body(request, presigned) -> dict:
    # The local backend signs site-relative URLs; clients always get absolute ones.
    return {"url": request.build_absolute_uri(presigned.url), "method": presigned.method, "headers": presigned.headers}


def upload_start_body(request, started: UploadStart) -> dict:
    upload = started.upload
    body = {"id": str(upload.id), "strategy": upload.strategy, "expires_at": upload.expires_at}
    if started.put is not None:
        body.update(presigned_body(request, started.put))
    else:
        body.update({"part_size": upload.part_size_bytes, "part_count": upload.part_count})
    return body


def upload_state_body(state: UploadState) -> dict:
    body = dict(UploadOutput(state.upload).data)
    body["parts"] = StoredPartOutput(state.parts, many=True).data
    body["store_upload_missing"] = state.store_upload_missing
    return body


def parts_body(request, signed) -> dict:
    return {"parts": [{"number": number, **presigned_body(request, put)} for number, put in signed]}
