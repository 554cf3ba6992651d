"""Benchmark-only views (never in the product's URLs; bench/proxy.py routes them):

- `floor`: the cheapest Django answer, `{}` from a plain view (no auth, no DRF): what any
  request costs this gunicorn/Django configuration, the floor the API's reads are
  measured against;
- `drf_empty`: `{}` from a DRF view with the API's defaults (token authentication,
  IsAuthenticated, the throttles in the cache): the cost of the API's plumbing alone;
- `proxy_small`: the small-file baseline, the design Kosha avoids: the request body read
  by this process and sent to the store with one put_object.
"""

from django.conf import settings
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
