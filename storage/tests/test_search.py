"""Search over names: substring matching everywhere, typo tolerance and ranking on PostgreSQL,
filters, paging, scoping to the user, and every refusal of bad input."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from kosha.origin import TASK
from kosha.testing import factories
from kosha.testing.factories import stored_file
from sharing.search import search_for_actor
from storage.models import File
from storage.services.trash import file_trash, folder_trash

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _local_store(local_settings):
    return local_settings


def search(client, **params):
    return client.get("/api/v1/search/", params)


def names(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [item["name"] for item in response.json()["items"]]


# --- any database ------------------------------------------------------------------------------


def test_search_finds_files_and_folders_with_their_breadcrumb_paths(owner_client, owner):
    work = factories.folder(owner, "Work")
    year = factories.folder(owner, "2026", work)
    reports = factories.folder(owner, "Reports", work)
    report = stored_file(owner, "report.pdf", b"%PDF-1.7", folder=year, content_type="application/pdf")
    stored_file(owner, "holiday.jpg", folder=year, content_type="image/jpeg")

    response = search(owner_client, q="report")

    assert response.status_code == 200, response.json()
    items = {item["name"]: item for item in response.json()["items"]}
    assert set(items) == {"report.pdf", "Reports"}
    assert items["report.pdf"] == {
        "kind": "file",
        "id": str(report.pk),
        "name": "report.pdf",
        "folder": str(year.pk),
        "path": ["Work", "2026"],
        "size": 8,
        "content_type": "application/pdf",
        "modified": items["report.pdf"]["modified"],
        "score": items["report.pdf"]["score"],
        "owner": owner.email,
        "role": "owner",
    }
    assert items["Reports"]["kind"] == "folder"
    assert items["Reports"]["parent"] == str(work.pk)
    assert items["Reports"]["path"] == ["Work"]
    assert items["Reports"]["size"] is None
    assert "folder" not in items["Reports"]
    assert str(reports.pk) == items["Reports"]["id"]
    assert response.json()["next"] is None


def test_search_is_case_insensitive_and_needs_every_word(owner_client, owner):
    stored_file(owner, "Annual Budget 2026.xlsx")
    stored_file(owner, "budget draft.txt")

    assert set(names(search(owner_client, q="BUDGET"))) == {"budget draft.txt", "Annual Budget 2026.xlsx"}
    assert "Annual Budget 2026.xlsx" in names(search(owner_client, q="annual budget"))
    assert "budget draft.txt" in names(search(owner_client, q="  budget   draft  "))


def test_exact_name_ranks_above_prefix_above_a_match_inside(owner_client, owner):
    stored_file(owner, "old report.txt")
    stored_file(owner, "report.pdf")
    stored_file(owner, "report")

    assert names(search(owner_client, q="report")) == ["report", "report.pdf", "old report.txt"]


def test_trashed_files_and_folders_never_appear(owner_client, owner):
    kept = factories.folder(owner, "kept plans")
    binned = factories.folder(owner, "binned plans")
    stored_file(owner, "plans inside the binned folder.txt", folder=binned)
    trashed = stored_file(owner, "old plans.txt")
    stored_file(owner, "plans.txt", folder=kept)

    file_trash(actor=owner, file=trashed, origin=TASK)
    folder_trash(actor=owner, folder=binned, origin=TASK)

    assert set(names(search(owner_client, q="plans"))) == {"kept plans", "plans.txt"}


def test_another_users_files_never_appear(owner_client, owner, stranger, stranger_client):
    stored_file(owner, "secret report.pdf")
    factories.folder(owner, "secret folder")

    assert names(search(stranger_client, q="secret")) == []
    assert names(search(stranger_client, q="secret report.pdf")) == []
    assert len(names(search(owner_client, q="secret"))) == 2


def test_type_filter_maps_to_content_types_and_folders(owner_client, owner):
    factories.folder(owner, "trip photos")
    stored_file(owner, "trip.jpg", content_type="image/jpeg")
    stored_file(owner, "trip.mp4", content_type="video/mp4")
    stored_file(owner, "trip.pdf", content_type="application/pdf")
    stored_file(owner, "trip notes.txt", content_type="text/plain")
    stored_file(
        owner, "trip.docx", content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    stored_file(owner, "trip.zip", content_type="application/zip")
    stored_file(owner, "trip.mp3", content_type="audio/mpeg")

    expected = {
        "image": {"trip.jpg"},
        "video": {"trip.mp4"},
        "audio": {"trip.mp3"},
        "pdf": {"trip.pdf"},
        "text": {"trip notes.txt"},
        "document": {"trip.docx"},
        "archive": {"trip.zip"},
        "folder": {"trip photos"},
    }
    for kind, wanted in expected.items():
        assert set(names(search(owner_client, q="trip", type=kind))) == wanted, kind


def test_size_and_modified_filters(owner_client, owner):
    factories.folder(owner, "data folder")
    stored_file(owner, "data small.bin", b"x" * 10)
    stored_file(owner, "data big.bin", b"x" * 1000)
    old = stored_file(owner, "data old.bin", b"x" * 500)
    File.objects.filter(pk=old.pk).update(updated_at=dt.datetime(2020, 5, 1, tzinfo=dt.UTC))

    assert set(names(search(owner_client, q="data", min_size="100"))) == {"data big.bin", "data old.bin"}
    assert set(names(search(owner_client, q="data", max_size="500"))) == {"data small.bin", "data old.bin"}
    assert set(names(search(owner_client, q="data", min_size=0, max_size=10))) == {"data small.bin"}
    assert names(search(owner_client, q="data", modified_before="2020-05-01")) == ["data old.bin"]
    assert names(search(owner_client, q="data", modified_before="2020-05-01T12:00:00+02:00")) == ["data old.bin"]
    assert set(names(search(owner_client, q="data", modified_after="2021-01-01"))) == {
        "data folder",
        "data small.bin",
        "data big.bin",
    }
    today = timezone.now().date().isoformat()
    assert "data old.bin" not in names(search(owner_client, q="data", modified_after=today))


def test_folder_filter_searches_only_that_subtree(owner_client, owner):
    work = factories.folder(owner, "Work")
    deep = factories.folder(owner, "deep notes", factories.folder(owner, "a", work))
    stored_file(owner, "notes.txt", folder=deep)
    stored_file(owner, "notes.txt", folder=work)
    stored_file(owner, "notes.txt")  # at the root: outside Work
    factories.folder(owner, "notes elsewhere")

    response = search(owner_client, q="notes", folder=str(work.pk))

    items = response.json()["items"]
    assert sorted((item["name"], tuple(item["path"])) for item in items) == [
        ("deep notes", ("Work", "a")),
        ("notes.txt", ("Work",)),
        ("notes.txt", ("Work", "a", "deep notes")),
    ]


def test_folder_filter_with_another_users_folder_is_404(stranger_client, owner):
    folder = factories.folder(owner, "Private")

    response = search(stranger_client, q="private", folder=str(folder.pk))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_pages_follow_the_cursor_without_repeats(owner_client, owner):
    for number in range(7):
        stored_file(owner, f"page item {number}.txt")

    seen, cursor, pages = [], None, 0
    while True:
        params = {"q": "page item", "limit": 3, **({"cursor": cursor} if cursor else {})}
        body = search(owner_client, **params).json()
        seen += [item["name"] for item in body["items"]]
        pages += 1
        cursor = body["next"]
        if cursor is None:
            break

    assert pages == 3
    assert sorted(seen) == [f"page item {number}.txt" for number in range(7)]


def _search_queries(owner, word: str, count: int) -> int:
    folder = factories.folder(owner, f"level {count}")
    inner = factories.folder(owner, "inner", folder)
    for number in range(count):
        stored_file(owner, f"{word} {number}.txt", folder=inner if number % 2 else folder)
    with CaptureQueriesContext(connection) as queries:
        page = search_for_actor(actor=owner, query=word)
    assert len(page.items) == count
    return len(queries)


def test_search_query_count_does_not_grow_with_results(owner):
    # The selector, not the endpoint: the view adds no queries of its own, and the rate
    # limiter's cache queries depend on the cache backend in use.
    at_n = _search_queries(owner, "quartz", 4)
    at_3n = _search_queries(owner, "meadow", 12)

    # the shares made to the searcher (none here, so no walk under shared folders),
    # savepoint, (PostgreSQL: set_config of the threshold), files, folders, release, and
    # one recursive query for every breadcrumb: never one per result.
    expected = 6 + (1 if connection.vendor == "postgresql" else 0)
    assert at_n == at_3n == expected


BAD_INPUT = [
    pytest.param({}, "q", id="q-missing"),
    pytest.param({"q": "a"}, "q", id="q-one-char"),
    pytest.param({"q": "  a  "}, "q", id="q-one-char-after-strip"),
    pytest.param({"q": "x" * 201}, "q", id="q-201-chars"),
    pytest.param({"q": "x" * 10_240}, "q", id="q-10kb"),
    pytest.param({"q": "ab\x00cd"}, "q", id="q-nul"),
    pytest.param({"q": "report", "type": "spreadsheet"}, "type", id="unknown-type"),
    pytest.param({"q": "report", "modified_after": "yesterday"}, "modified_after", id="date-words"),
    pytest.param({"q": "report", "modified_after": "2026-13-01"}, "modified_after", id="date-month-13"),
    pytest.param({"q": "report", "modified_before": "2026-02-30T10:00:00"}, "modified_before", id="date-feb-30"),
    pytest.param({"q": "report", "min_size": "-1"}, "min_size", id="negative-min-size"),
    pytest.param({"q": "report", "max_size": "-5"}, "max_size", id="negative-max-size"),
    pytest.param({"q": "report", "min_size": "ten"}, "min_size", id="min-size-words"),
    pytest.param({"q": "report", "max_size": "1.5"}, "max_size", id="max-size-fraction"),
    pytest.param({"q": "report", "max_size": "9" * 30}, "max_size", id="max-size-huge"),
    pytest.param({"q": "report", "limit": "0"}, "limit", id="limit-zero"),
    pytest.param({"q": "report", "limit": "5000"}, "limit", id="limit-huge"),
    pytest.param({"q": "report", "cursor": "garbage"}, "cursor", id="cursor-garbage"),
]


@pytest.mark.parametrize(("params", "field"), BAD_INPUT)
def test_bad_input_is_a_400_naming_the_field(owner_client, params, field):
    response = search(owner_client, **params)

    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid"
    assert response.json()["error"]["field"] == field


def test_tampered_cursor_or_a_cursor_of_another_search_is_a_400(owner_client, owner):
    for number in range(3):
        stored_file(owner, f"cursor test {number}.txt")
    cursor = search(owner_client, q="cursor test", limit=1).json()["next"]
    assert cursor

    tampered = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    for params in ({"q": "cursor test", "limit": 1, "cursor": tampered}, {"q": "cursor", "limit": 1, "cursor": cursor}):
        response = search(owner_client, **params)
        assert response.status_code == 400
        assert response.json()["error"]["field"] == "cursor"


def test_a_malformed_folder_id_is_a_404(owner_client):
    response = search(owner_client, q="report", folder="not-a-uuid")

    assert response.status_code == 404


def test_search_needs_authentication(db):
    response = APIClient().get("/api/v1/search/", {"q": "report"})

    assert response.status_code in (401, 403)


# --- PostgreSQL: trigram similarity ---------------------------------------------------------------


@pytest.mark.postgres
def test_typos_still_find_the_file(owner_client, owner):
    stored_file(owner, "report.pdf", content_type="application/pdf")
    stored_file(owner, "Invoice 2026.pdf", content_type="application/pdf")
    stored_file(owner, "holiday.jpg", content_type="image/jpeg")

    assert names(search(owner_client, q="reprot")) == ["report.pdf"]
    assert names(search(owner_client, q="invoce")) == ["Invoice 2026.pdf"]
    assert names(search(owner_client, q="invoce 2026")) == ["Invoice 2026.pdf"]


@pytest.mark.postgres
def test_exact_matches_rank_above_fuzzy_ones(owner_client, owner):
    stored_file(owner, "reprot draft.txt")
    stored_file(owner, "report.pdf")
    stored_file(owner, "reports 2025.txt")

    response = search(owner_client, q="report")

    items = response.json()["items"]
    assert [item["name"] for item in items][0] == "report.pdf"
    assert "reprot draft.txt" in [item["name"] for item in items]
    scores = [item["score"] for item in items]
    assert scores == sorted(scores, reverse=True)
    assert items[0]["score"] > items[-1]["score"]


@pytest.mark.postgres
def test_fuzzy_search_keeps_filters_trash_and_owner(owner_client, owner, stranger):
    folder = factories.folder(owner, "Invoices")
    stored_file(owner, "Invoice March.pdf", folder=folder, content_type="application/pdf")
    stored_file(owner, "Invoice March.png", content_type="image/png")
    trashed = stored_file(owner, "Invoice April.pdf", content_type="application/pdf")
    file_trash(actor=owner, file=trashed, origin=TASK)
    stored_file(stranger, "Invoice May.pdf", content_type="application/pdf")

    assert set(names(search(owner_client, q="invoce"))) == {"Invoices", "Invoice March.pdf", "Invoice March.png"}
    assert names(search(owner_client, q="invoce", type="pdf")) == ["Invoice March.pdf"]
    assert names(search(owner_client, q="invoce", type="folder")) == ["Invoices"]
    assert names(search(owner_client, q="invoce", folder=str(folder.pk))) == ["Invoice March.pdf"]


@pytest.mark.postgres
def test_unrelated_names_are_not_matched(owner_client, owner):
    stored_file(owner, "holiday.jpg")
    stored_file(owner, "budget.xlsx")

    assert names(search(owner_client, q="reprot")) == []


@pytest.mark.postgres
def test_the_trigram_indexes_exist():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE indexname IN ('storage_file_name_trgm', 'storage_folder_name_trgm')"
        )
        assert sorted(row[0] for row in cursor.fetchall()) == ["storage_file_name_trgm", "storage_folder_name_trgm"]


@pytest.mark.postgres
def test_a_unicode_query_is_still_served_by_the_trigram_index(owner):
    from storage.search.filters import SearchFilters, files_matching
    from storage.search.query import _ranked_postgresql

    stored_file(owner, "Ärzte Rechnung.pdf", content_type="application/pdf")
    # Enough of the owner's names that reading them all costs more than the index.
    File.objects.bulk_create(File(owner=owner, name=f"document {number:05d}.txt") for number in range(3000))
    with connection.cursor() as cursor:
        # What autovacuum does in the background: move fresh rows from the GIN pending
        # list into the index proper (the planner prices a long pending list as a scan).
        cursor.execute("SELECT gin_clean_pending_list('storage_file_name_trgm')")
        cursor.execute("ANALYZE storage_file")

    ranked = _ranked_postgresql(files_matching(filters=SearchFilters(), where=Q(owner=owner)), query="ärzte")
    plan = ranked.explain()

    assert "Bitmap Index Scan on storage_file_name_trgm" in plan, plan
    assert "%> 'ärzte'" in plan, plan


def test_an_offset_beyond_postgresqls_is_the_same_instant_and_one_out_of_range_is_a_400(owner_client, owner):
    # RFC 3339 allows offsets to ±23:59, PostgreSQL's timestamptz to ±15:59: such a time
    # was a DataError (500) on PostgreSQL; it is the same instant in UTC.
    old = stored_file(owner, "data old.bin", b"x")
    File.objects.filter(pk=old.pk).update(updated_at=dt.datetime(2020, 5, 1, 12, tzinfo=dt.UTC))

    assert names(search(owner_client, q="data", modified_before="2020-05-02T10:00:00+22:00")) == ["data old.bin"]
    assert names(search(owner_client, q="data", modified_after="2020-05-02T10:00:01+22:00")) == []
    assert names(search(owner_client, q="data", modified_before="0621-01-15T18:48:44+22:52")) == []

    for too_early in ("0001-01-01T00:00:00+01:00", "0001-01-01"):
        answer = owner_client.get("/api/v1/search/", {"q": "data", "modified_after": too_early})
        assert answer.status_code == (400 if "T" in too_early else 200), answer.json()
        if answer.status_code == 400:
            assert answer.json()["error"]["field"] == "modified_after"
