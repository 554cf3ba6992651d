"""The one name rule (storage/names.py) behind every door that names an item: format
characters and lone surrogates refused with a 400 naming the character, NFC everywhere."""

import unicodedata

import pytest

from kosha.errors import InvalidName
from kosha.testing import factories
from kosha.testing.clients import api_as
from storage.models import File, Folder, UploadSession
from storage.names import name_clean

pytestmark = pytest.mark.django_db

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "invoice\u202etxt.exe" reads "invoiceexe.txt"
SPOOFS = [
    pytest.param(f"invoice{RLO}txt.exe", "U+202E", id="right-to-left-override"),
    pytest.param("a\u2066b", "U+2066", id="left-to-right-isolate"),
    pytest.param("report\u200b.pdf", "U+200B", id="zero-width-space"),
    pytest.param("a\u200db", "U+200D", id="zero-width-joiner-between-latin-letters"),
    pytest.param("a\u200cb", "U+200C", id="zero-width-non-joiner-between-latin-letters"),
    pytest.param("\u200dreport", "U+200D", id="zero-width-joiner-first"),
    pytest.param("\U0001f468\u200d", "U+200D", id="zero-width-joiner-after-an-emoji-at-the-end"),
    pytest.param("\U0001f468\u200da", "U+200D", id="zero-width-joiner-from-an-emoji-to-a-letter"),
    pytest.param("\u0645\u200c", "U+200C", id="zero-width-non-joiner-with-no-letter-after"),
    pytest.param("\U0001f3f4\U000e0067\U000e0062", "U+E0067", id="tag-sequence-without-its-cancel-tag"),
    pytest.param("a\U000e0067\U000e007f", "U+E0067", id="tag-characters-without-the-flag"),
    pytest.param("\U0001f468\u200d\u202e\U0001f469", "U+200D", id="joiner-next-to-a-bidi-override"),
    pytest.param("\u0645\u200c\u202etxt.exe", "U+200C", id="non-joiner-before-a-bidi-override"),
    pytest.param("\U0001f468\u202e\U0001f469", "U+202E", id="bidi-override-between-emoji"),
    pytest.param("\ufeffnotes.txt", "U+FEFF", id="byte-order-mark"),
    pytest.param("soft\u00adhyphen", "U+00AD", id="soft-hyphen"),
]


def _refusal(response, character: str) -> dict:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid_name"
    assert error["character"] == character
    assert character in error["message"]
    return error


@pytest.mark.parametrize(("name", "character"), SPOOFS)
def test_a_format_character_is_refused_naming_it(name, character):
    with pytest.raises(InvalidName) as refused:
        name_clean(name)

    assert refused.value.details["character"] == character
    assert unicodedata.name(chr(int(character[2:], 16))) in refused.value.message


JOINED = [
    pytest.param("\U0001f468\u200d\U0001f469\u200d\U0001f467", id="family-emoji-zwj-sequence"),
    pytest.param("\U0001f469\U0001f3fd\u200d\U0001f4bb notes", id="emoji-with-a-skin-tone-modifier"),
    pytest.param("\U0001f3f3\ufe0f\u200d\U0001f308 photos", id="emoji-with-variation-selector-16"),
    pytest.param("\u2764\ufe0f\u200d\U0001f525.png", id="heart-on-fire"),
    pytest.param("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645.txt", id="persian-mi-khaham-with-zwnj"),
    pytest.param("\u0646\u0627\u0645\u0647\u200c\u0647\u0627", id="persian-nameh-ha-with-zwnj"),
    pytest.param("\u0915\u094d\u200d\u0937", id="devanagari-zwj-after-virama"),
    pytest.param("\u0915\u094d\u200c\u0937", id="devanagari-zwnj-after-virama"),
    pytest.param("\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", id="flag-of-scotland"),
]


@pytest.mark.parametrize("name", JOINED)
def test_joiners_and_tags_in_their_unicode_context_are_kept(name):
    assert name_clean(name) == unicodedata.normalize("NFC", name)


def test_an_emoji_zwj_sequence_and_a_persian_word_name_folders_through_the_api(owner_client, owner):
    family, persian = "\U0001f468\u200d\U0001f469\u200d\U0001f467", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"

    made = [owner_client.post("/api/v1/folders/", {"name": name}, format="json") for name in (family, persian)]

    assert [response.status_code for response in made] == [201, 201]
    assert set(Folder.objects.filter(owner=owner).values_list("name", flat=True)) == {family, persian}


def test_nul_and_control_characters_are_refused_by_the_rule_itself():
    for name in ("a\x00b", "a\x1fb", "a\x85b"):
        with pytest.raises(InvalidName):
            name_clean(name)


@pytest.mark.parametrize("name", ["\ud800x.txt", "x\udfff", "a\ufffeb", "a\U0010ffffb"])
def test_a_lone_surrogate_or_non_character_is_refused_not_a_500(owner, name):
    with pytest.raises(InvalidName) as refused:
        factories.folder(owner, name)

    assert refused.value.details["character"] == f"U+{ord(name[0] if ord(name[0]) > 0x7F else name[1]):04X}"
    assert not Folder.objects.filter(owner=owner).exists()


def test_folder_create_refuses_a_spoofing_name(owner_client, owner):
    response = owner_client.post("/api/v1/folders/", {"name": f"a{RLO}b"}, format="json")

    _refusal(response, "U+202E")
    assert not Folder.objects.filter(owner=owner).exists()


def test_folder_rename_refuses_a_spoofing_name(owner_client, owner):
    folder = factories.folder(owner, "Plain")

    response = owner_client.patch(f"/api/v1/folders/{folder.pk}/", {"name": f"a{RLO}b"}, format="json")

    _refusal(response, "U+202E")
    folder.refresh_from_db()
    assert folder.name == "Plain"


def test_file_rename_and_copy_refuse_a_spoofing_name(local_settings, owner_client, owner):
    file = factories.stored_file(owner, "plain.txt")

    renamed = owner_client.patch(f"/api/v1/files/{file.pk}/", {"name": "x\u200b.txt"}, format="json")
    copied = owner_client.post(f"/api/v1/files/{file.pk}/copy/", {"name": "\ufeffy.txt"}, format="json")

    _refusal(renamed, "U+200B")
    _refusal(copied, "U+FEFF")
    assert list(File.objects.filter(owner=owner).values_list("name", flat=True)) == ["plain.txt"]


def test_upload_start_refuses_a_spoofing_name(local_settings, owner_client, owner):
    body = {"name": f"invoice{RLO}txt.exe", "size": 3, "content_type": "text/plain"}

    response = owner_client.post("/api/v1/uploads/", body, format="json")

    _refusal(response, "U+202E")
    assert not UploadSession.objects.filter(owner=owner).exists()


def test_drop_upload_refuses_a_spoofing_name(local_settings, client, owner):
    inbox = factories.folder(owner, "Inbox")
    _link, token = factories.link(owner, inbox, is_drop=True)
    body = {"name": f"invoice{RLO}txt.exe", "size": 3, "content_type": "text/plain"}

    response = client.post(f"/s/{token}/uploads/", body, content_type="application/json")

    _refusal(response, "U+202E")
    assert not UploadSession.objects.filter(owner=owner).exists()


def test_editor_upload_and_rename_in_a_shared_folder_refuse_a_spoofing_name(local_settings, owner, collaborator):
    shared = factories.folder(owner, "Shared")
    factories.share(owner, shared, collaborator, role="editor")
    file = factories.stored_file(owner, "a.txt", folder=shared)
    editor = api_as(collaborator)

    started = editor.post(
        "/api/v1/shared/uploads/",
        {"folder": str(shared.pk), "name": f"x{RLO}.txt", "size": 3, "content_type": "text/plain"},
        format="json",
    )
    renamed = editor.patch(f"/api/v1/shared/files/{file.pk}/", {"name": "a\u200d.txt"}, format="json")

    _refusal(started, "U+202E")
    _refusal(renamed, "U+200D")
    assert not UploadSession.objects.filter(owner=owner, status="pending").exists()


def test_names_that_differ_only_in_normalisation_are_one_name(owner_client, owner):
    composed, decomposed = "Caf\u00e9", "Cafe\u0301"
    factories.folder(owner, decomposed)

    response = owner_client.post("/api/v1/folders/", {"name": composed}, format="json")

    assert response.status_code == 409
    assert list(Folder.objects.filter(owner=owner).values_list("name", flat=True)) == [composed]


def test_a_file_renamed_to_another_normalisation_of_a_taken_name_conflicts(local_settings, owner_client, owner):
    factories.stored_file(owner, "r\u00e9sum\u00e9.pdf")
    other = factories.stored_file(owner, "other.pdf")

    response = owner_client.patch(f"/api/v1/files/{other.pk}/", {"name": "re\u0301sume\u0301.pdf"}, format="json")

    assert response.status_code == 409


def test_scripts_and_emoji_without_format_characters_are_accepted(owner):
    for name in ("報告書.pdf", "Ärzte Rechnung.pdf", "تقرير.txt", "📁 photos", "Ελληνικά"):
        assert factories.folder(owner, name).name == name


def test_the_longest_name_in_decomposed_characters_is_kept():
    # U+1FAF (3 bytes) decomposes into 4 code points, the most any character does:
    # 85 of them, sent decomposed, are 340 code points and 255 bytes once composed.
    decomposed = unicodedata.normalize("NFD", "\u1faf") * 85

    assert name_clean(decomposed) == "\u1faf" * 85


def test_a_name_longer_than_any_name_can_be_is_refused_as_too_long_before_any_other_check():
    # More than 4 x 255 code points cannot compose into 255 bytes: refused at once, not
    # after a pass over each of them (a batch start's field is bounded by the body's size only).
    too_long = "a/" * 511

    with pytest.raises(InvalidName) as refused:
        name_clean(too_long)

    assert refused.value.message == "A name can be at most 255 bytes long in UTF-8."


def test_no_character_composes_more_code_points_than_name_clean_assumes():
    # The premise of name_clean's early bound (storage/names.py, _MAX_NAME_CODE_POINTS).
    longest = max(
        len(unicodedata.normalize("NFD", chr(point))) for point in range(0x110000) if not 0xD800 <= point <= 0xDFFF
    )

    assert longest <= 4


def test_no_ascii_character_is_a_format_character_so_ascii_names_skip_that_check():
    """name_clean looks for format characters (Cf) only in a name beyond ASCII: the check
    would find none in ASCII, in this Python's Unicode database too; one beyond it still does."""
    assert [code for code in range(128) if unicodedata.category(chr(code)) == "Cf"] == []
    with pytest.raises(InvalidName):
        name_clean("a\u200bb.txt")  # a zero-width space
