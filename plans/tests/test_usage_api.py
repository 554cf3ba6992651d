"""GET /api/v1/usage/: what the signed-in user stores and their plan's limits."""

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator
from rest_framework.renderers import JSONRenderer

from accounts.models import ApiToken
from accounts.tokens import token_generate
from kosha.origin import TASK
from kosha.testing.clients import token_client
from kosha.testing.factories import stored_file, stored_version
from plans.api.serializers import UsageOutputSerializer
from plans.models import Plan
from plans.services import quota_commit, quota_reserve, usage_set_plan
from storage.selectors import usage_get_with_trash_bytes
from storage.services.trash import file_trash

URL = "/api/v1/usage/"
MiB = 1024**2


def test_usage_shows_used_reserved_and_available_bytes_and_the_plan_limits(owner, owner_client):
    with transaction.atomic():
        quota_reserve(user=owner, size_bytes=3 * MiB)
        quota_commit(user=owner, size_bytes=3 * MiB)
        quota_reserve(user=owner, size_bytes=1 * MiB)
    free = Plan.objects.get(code="free")

    response = owner_client.get(URL)

    assert response.status_code == 200
    assert response.json() == {
        "used_bytes": 3 * MiB,
        "reserved_bytes": 1 * MiB,
        "file_count": 1,
        "available_bytes": free.storage_bytes - 4 * MiB,
        "trash_bytes": 0,
        "plan": {
            "code": "free",
            "name": "Free",
            "storage_bytes": free.storage_bytes,
            "max_files": free.max_files,
            "max_file_bytes": free.max_file_bytes,
            "versions_kept": free.versions_kept,
            "trash_days": free.trash_days,
            "max_share_days": free.max_share_days,
        },
    }


def test_usage_answers_exactly_what_its_serializer_describes(local_settings, owner, owner_client):
    # The view builds its answer from plain values (storage.selectors.usage_summary_for_user);
    # the serializer is the schema. Both must give the same JSON, trash and reservations included.
    kept = stored_file(owner, "kept.txt", b"k" * 10)
    stored_version(kept, b"k" * 11)
    trashed = stored_file(owner, "gone.txt", b"g" * 20)
    stored_version(trashed, b"g" * 21)
    file_trash(actor=owner, file=trashed, origin=TASK)
    with transaction.atomic():
        quota_reserve(user=owner, size_bytes=5)

    answer = owner_client.get(URL)

    described = JSONRenderer().render(UsageOutputSerializer(usage_get_with_trash_bytes(user=owner)).data)
    assert answer.content == described
    assert answer.json()["trash_bytes"] == 41


def test_usage_follows_the_users_plan(owner, owner_client):
    usage_set_plan(user=owner, plan=Plan.objects.get(code="pro"))

    body = owner_client.get(URL).json()

    assert body["plan"]["code"] == "pro"
    assert body["available_bytes"] == Plan.objects.get(code="pro").storage_bytes


def test_available_bytes_is_never_negative(owner, owner_client):
    with transaction.atomic():
        quota_reserve(user=owner, size_bytes=2 * MiB)
    tiny = Plan.objects.create(code="tiny", name="Tiny", storage_bytes=MiB, max_files=1, max_file_bytes=MiB)
    usage_set_plan(user=owner, plan=tiny)

    body = owner_client.get(URL).json()

    assert body["available_bytes"] == 0


def test_a_stranger_sees_only_their_own_usage(owner, stranger_client):
    with transaction.atomic():
        quota_reserve(user=owner, size_bytes=MiB)

    body = stranger_client.get(URL).json()

    assert body["used_bytes"] == 0
    assert body["reserved_bytes"] == 0


def test_anonymous_requests_are_refused(db, api_client):
    response = api_client.get(URL)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["error"]["code"] == "not_authenticated"


def test_an_api_token_authenticates(owner):
    key, prefix, secret_hash = token_generate()
    ApiToken.objects.create(user=owner, name="script", prefix=prefix, secret_hash=secret_hash)

    response = token_client(key).get(URL)

    assert response.status_code == 200
    assert response.json()["plan"]["code"] == "free"


def test_usage_is_one_query(owner, owner_client, settings):
    # The throttle's counters live in the cache; keep them out of the database here.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

    with CaptureQueriesContext(connection) as queries:
        response = owner_client.get(URL)

    assert response.status_code == 200
    # the Usage row joined to its plan, with the trash total as a subquery
    # (force_authenticate skips the session queries)
    assert len(queries) == 1, [q["sql"] for q in queries.captured_queries]


def test_usage_is_described_in_the_openapi_schema():
    from plans.api.urls import urlpatterns

    schema = SchemaGenerator(patterns=urlpatterns).get_schema(request=None, public=True)

    operation = schema["paths"]["/usage/"]["get"]
    assert operation["operationId"] == "usage_retrieve"
    assert "UsageOutput" in schema["components"]["schemas"]
    assert "plan" in schema["components"]["schemas"]["UsageOutput"]["properties"]
