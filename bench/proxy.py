"""Benchmark-only URLconf: Kosha's routes plus a view that proxies upload bytes through
Django to the store, the design Kosha avoids. Used as the baseline for server CPU/GiB."""

import boto3
from botocore.config import Config
from django.conf import settings
from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from bench import floor as floor_views

_client = None


def _s3():
    global _client
    if _client is None:
        _client = boto3.client(
            "s3",
            endpoint_url=settings.KOSHA_S3_ENDPOINT_URL,
            region_name=settings.KOSHA_S3_REGION,
            aws_access_key_id=settings.KOSHA_S3_ACCESS_KEY_ID,
            aws_secret_access_key=settings.KOSHA_S3_SECRET_ACCESS_KEY,
            config=Config(s3={"addressing_style": "path"}, max_pool_connections=16),
        )
    return _client


@csrf_exempt
def proxy_upload(request, name):
    # Streams the request body through this process to the store with multipart.
    _s3().upload_fileobj(request, settings.KOSHA_S3_BUCKET, f"proxy/{name}")
    return JsonResponse({"ok": True})


urlpatterns = [
    path("bench/proxy/<str:name>", proxy_upload),
    path("bench/floor/", floor_views.floor),
    path("bench/drf/", floor_views.DrfEmpty.as_view()),
    path("bench/proxy-small/<str:name>", floor_views.proxy_small),
    path("bench/proxy-recorded/<str:name>", floor_views.ProxyRecorded.as_view()),
    path("", include("kosha.urls")),
]
