"""Search folds case and Unicode the same on every database: PostgreSQL's trigram path
and the embedded SQLite's substring path (storage/search/query.py). `make test` runs this
module a second time on SQLite, so both paths answer these cases in CI."""

import pytest

from kosha.testing import factories
from kosha.testing.factories import stored_file
from sharing.search import search_for_actor
from storage.search.query import name_fold

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _local_store(local_settings):
    return local_settings


def found(owner, query: str) -> list[str]:
    return [item.name for item in search_for_actor(actor=owner, query=query).items]


def test_a_lowercase_query_finds_an_uppercase_accented_name(owner):
    stored_file(owner, "Ärzte Rechnung.pdf", content_type="application/pdf")
    stored_file(owner, "Arzt.txt")

    assert found(owner, "ärzte") == ["Ärzte Rechnung.pdf"]
    assert found(owner, "ÄRZTE") == ["Ärzte Rechnung.pdf"]


def test_non_latin_scripts_fold_case(owner):
    stored_file(owner, "ΣΗΜΕΙΩΣΕΙΣ.txt")
    factories.folder(owner, "Отчёты")

    assert found(owner, "σημειωσεις") == ["ΣΗΜΕΙΩΣΕΙΣ.txt"]
    assert found(owner, "отчёты") == ["Отчёты"]


def test_a_decomposed_query_finds_the_composed_name(owner):
    stored_file(owner, "café menu.pdf")

    assert found(owner, "cafe\u0301") == ["café menu.pdf"]


def test_a_one_character_cjk_query_finds_the_names_holding_it(owner):
    stored_file(owner, "報告書.pdf", content_type="application/pdf")
    stored_file(owner, "請求書.pdf", content_type="application/pdf")

    assert found(owner, "報") == ["報告書.pdf"]
    assert sorted(found(owner, "書")) == ["報告書.pdf", "請求書.pdf"]


def test_one_character_queries_work_through_the_api(owner, owner_client):
    stored_file(owner, "보고서.txt")

    response = owner_client.get("/api/v1/search/", {"q": "보"})

    assert response.status_code == 200
    assert [item["name"] for item in response.json()["items"]] == ["보고서.txt"]


@pytest.mark.parametrize("query", ["a", "é", "1", " x ", "\u0301"])
def test_a_one_character_query_in_an_alphabet_is_still_refused(owner_client, query):
    response = owner_client.get("/api/v1/search/", {"q": query})

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "q"


def test_the_fold_is_full_case_folding_in_nfc():
    assert name_fold("Ärzte") == "ärzte"
    assert name_fold("A\u0308rzte") == "ärzte"
    assert name_fold("STRASSE") == name_fold("straße")
    assert name_fold(None) is None
