"""Benchmark-only views (never in the product's URLs; bench/proxy.py routes them):

- `floor`: the cheapest Django answer, `{}` from a plain view (no auth, no DRF): what any
  request costs this gunicorn/Django configuration, the floor the API's reads are
  measured against;
- `drf_empty`: `{}` from a DRF view with the API's defaults (token authentication,
  IsAuthenticated, the throttles in the cache): the cost of the API's plumbing alone;
- `proxy_small`: the lean small-file baseline: the request body read by this process and
  sent to the store with one put_object; no authentication, no quota, no record;
- `ProxyRecorded`: the fair one, what issue 12's proxying app did per file and what any
  proxy that keeps a user's files must do: authenticate the token (with the throttles, as
  every API request), check the quota under the user's Usage row lock, read the body
  and put_object it, then in one transaction record the File and its FileVersion and
  count the bytes and the file in Usage. No name check, no activity row, no checksum:
  less than Kosha's complete does, so it flatters the proxy, not Kosha.
"""

import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework.response import Response
from rest_framework.views import APIView


def floor(request):
    return HttpResponse(b"{}", content_type="application/json")


class DrfEmpty(APIView):
    schema = None  # not part of the API: kept out of /api/schema/

    def get(self, request):
        return Response({})


@csrf_exempt
def proxy_small(request, name):
    from bench.proxy import _s3  # the bench's one S3 client (bench/proxy.py imports this module)

    _s3().put_object(Bucket=settings.KOSHA_S3_BUCKET, Key=f"proxy-small/{name}", Body=request.body)
    return JsonResponse({"ok": True})


class ProxyRecorded(APIView):
    schema = None  # not part of the API: kept out of /api/schema/

    def post(self, request, name):
        from bench.proxy import _s3
        from plans.models import Usage
        from storage.models import File, FileVersion

        user, data = request.user, request.body
        with transaction.atomic():
            usage = Usage.objects.select_for_update().select_related("plan").get(user=user)
            if usage.used_bytes + usage.reserved_bytes + len(data) > usage.plan.storage_bytes:
                return Response({"error": {"code": "quota_exceeded"}}, status=413)
        key = f"users/{user.pk}/blobs/{uuid.uuid4()}"
        content_type = request.content_type or "application/octet-stream"
        _s3().put_object(Bucket=settings.KOSHA_S3_BUCKET, Key=key, Body=data, ContentType=content_type)
        with transaction.atomic():
            Usage.objects.select_for_update().filter(user=user).exists()
            file = File.objects.create(owner=user, name=name, size_bytes=len(data), content_type=content_type)
            version = FileVersion.objects.create(
                file=file, number=1, key=key, size_bytes=len(data), content_type=content_type, created_by=user
            )
            File.objects.filter(pk=file.pk).update(current_version=version)
            Usage.objects.filter(user=user).update(
                used_bytes=F("used_bytes") + len(data), file_count=F("file_count") + 1
            )
        return Response({"id": str(file.pk), "size": len(data)}, status=201)
