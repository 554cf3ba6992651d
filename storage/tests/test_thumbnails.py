"""Thumbnails of uploaded images (made by the task after upload, with real images drawn by
Pillow here), decompression bombs and corrupt images, and the thumbnail/preview redirects."""

import io
import struct
import uuid
import zlib

import pytest
import requests
from PIL import Image

from kosha.origin import TASK
from kosha.testing.factories import stored_file
from storage import thumbnails
from storage.backends import get_backend
from storage.models import FileVersion
from storage.services.trash import file_trash
from storage.tasks import version_thumbnail_task

pytestmark = pytest.mark.django_db


def upload_with_hooks(django_capture_on_commit_callbacks, user, name, data, content_type) -> FileVersion:
    """Upload and run what the upload schedules on commit (tasks run synchronously in tests)."""
    with django_capture_on_commit_callbacks(execute=True):
        file = stored_file(user, name, data, content_type=content_type)
    return FileVersion.objects.get(pk=file.current_version_id)


def image_bytes(mode, size, fmt, **save) -> bytes:
    image = Image.new(mode, size, color=(200, 30, 30) if mode == "RGB" else None)
    if mode == "RGB":
        image.paste((20, 20, 220), (0, 0, size[0] // 2, size[1]))  # left half blue: orientation shows
    out = io.BytesIO()
    image.save(out, format=fmt, **save)
    return out.getvalue()


def stored_thumbnail(version: FileVersion) -> Image.Image:
    with get_backend().open(key=version.thumbnail_key) as stream:
        image = Image.open(io.BytesIO(stream.read()))
    image.load()
    return image


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height (1-bit grey) and whose data is a few
    compressed rows: opening reads only the header, decoding would be the bomb."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * ((width + 7) // 8 + 1) * 4)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


# --- the task ----------------------------------------------------------------------------------


def test_jpeg_with_exif_orientation_6_gets_a_rotated_webp_thumbnail(
    local_settings, owner, django_capture_on_commit_callbacks
):
    exif = Image.Exif()
    exif[0x0112] = 6  # stored landscape, shown rotated 90° clockwise: portrait
    data = image_bytes("RGB", (1600, 800), "JPEG", exif=exif.tobytes(), quality=90)

    version = upload_with_hooks(django_capture_on_commit_callbacks, owner, "photo.jpg", data, "image/jpeg")

    assert (version.width, version.height) == (800, 1600)
    assert version.thumbnail_key == f"users/{owner.pk}/thumbs/{version.pk}-512.webp"
    thumbnail = stored_thumbnail(version)
    assert thumbnail.format == "WEBP"
    assert thumbnail.size == (256, 512)
    assert get_backend().head(key=version.thumbnail_key).content_type == "image/webp"


def test_png_with_transparency_keeps_alpha_and_is_never_enlarged(
    local_settings, owner, django_capture_on_commit_callbacks
):
    data = image_bytes("RGBA", (300, 120), "PNG")

    version = upload_with_hooks(django_capture_on_commit_callbacks, owner, "logo.png", data, "image/png")

    assert (version.width, version.height) == (300, 120)
    thumbnail = stored_thumbnail(version)
    assert thumbnail.size == (300, 120)
    assert thumbnail.mode == "RGBA"


def test_animated_gif_uses_its_first_frame(local_settings, owner, django_capture_on_commit_callbacks):
    frames = [Image.new("P", (640, 480), color) for color in (1, 2, 3)]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)

    version = upload_with_hooks(django_capture_on_commit_callbacks, owner, "anim.gif", out.getvalue(), "image/gif")

    assert (version.width, version.height) == (640, 480)
    assert stored_thumbnail(version).size == (512, 384)


def test_webp_source_is_thumbnailed(local_settings, owner, django_capture_on_commit_callbacks):
    data = image_bytes("RGB", (2048, 1024), "WEBP")

    version = upload_with_hooks(django_capture_on_commit_callbacks, owner, "wide.webp", data, "image/webp")

    assert stored_thumbnail(version).size == (512, 256)


def test_a_header_claiming_30000_by_30000_pixels_is_refused_before_decoding(
    local_settings, owner, django_capture_on_commit_callbacks, caplog
):
    data = png_header_only(30_000, 30_000)
    assert len(data) < 1000

    version = upload_with_hooks(django_capture_on_commit_callbacks, owner, "bomb.png", data, "image/png")

    assert version.thumbnail_key == ""
    assert version.width is None and version.height is None
    assert "No thumbnail for version" in caplog.text
    assert list(get_backend().list_prefix(prefix=f"users/{owner.pk}/thumbs/")) == []


def test_pillows_own_bomb_warning_is_treated_as_an_error(local_settings, owner, monkeypatch):
    file = stored_file(owner, "small.png", image_bytes("RGB", (100, 100), "PNG"), content_type="image/png")
    # Between Pillow's limit and twice it, Pillow only warns; the warning must refuse too.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 6_000)

    assert version_thumbnail_task(str(file.current_version_id)) is False

    assert FileVersion.objects.get(pk=file.current_version_id).thumbnail_key == ""


def test_the_pixel_limit_is_ours_to_set(local_settings, owner, monkeypatch):
    file = stored_file(owner, "fine.png", image_bytes("RGB", (100, 100), "PNG"), content_type="image/png")
    monkeypatch.setattr(thumbnails, "MAX_SOURCE_PIXELS", 9_999)

    assert version_thumbnail_task(str(file.current_version_id)) is False


def test_an_object_over_the_byte_limit_is_not_read(local_settings, owner, monkeypatch):
    file = stored_file(owner, "fine.png", image_bytes("RGB", (100, 100), "PNG"), content_type="image/png")
    monkeypatch.setattr(thumbnails, "MAX_SOURCE_BYTES", 100)

    assert version_thumbnail_task(str(file.current_version_id)) is False


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"this is not an image at all", id="text"),
        pytest.param(image_bytes("RGB", (64, 64), "PNG")[:80], id="truncated-png"),
        pytest.param(b"<svg xmlns='http://www.w3.org/2000/svg'/>", id="svg-claiming-png"),
        pytest.param(image_bytes("RGB", (64, 64), "BMP"), id="bmp-claiming-png"),
    ],
)
def test_corrupt_or_mislabelled_images_record_nothing_and_do_not_crash(
    local_settings, owner, django_capture_on_commit_callbacks, data
):
    version = upload_with_hooks(django_capture_on_commit_callbacks, owner, "broken.png", data, "image/png")

    assert version.thumbnail_key == ""
    assert version_thumbnail_task(str(version.pk)) is False


def test_running_twice_keeps_the_first_result(local_settings, owner):
    file = stored_file(owner, "twice.png", image_bytes("RGB", (50, 40), "PNG"), content_type="image/png")

    assert version_thumbnail_task(str(file.current_version_id)) is True
    first = FileVersion.objects.get(pk=file.current_version_id)
    assert version_thumbnail_task(str(file.current_version_id)) is True

    second = FileVersion.objects.get(pk=file.current_version_id)
    assert (second.thumbnail_key, second.width, second.height) == (first.thumbnail_key, 50, 40)


def test_non_images_get_no_thumbnail_task(local_settings, owner, django_capture_on_commit_callbacks):
    version = upload_with_hooks(django_capture_on_commit_callbacks, owner, "notes.txt", b"hello", "text/plain")

    assert version.thumbnail_key == ""
    assert version_thumbnail_task(str(version.pk)) is False
    assert version_thumbnail_task(str(uuid.uuid4())) is False


# --- the redirects -----------------------------------------------------------------------------


def _follow(client, response):
    """Fetch a redirect's target: through the app for the local store, by HTTP for S3."""
    location = response["Location"]
    if location.startswith("http://127.0.0.1"):
        answer = requests.get(location, timeout=30)
        return answer.status_code, answer.headers, answer.content
    answer = client.get(location)
    return answer.status_code, answer, b"".join(answer.streaming_content) if answer.streaming else answer.content


def test_thumbnail_redirects_to_the_webp_in_both_stores(store, owner, owner_client):
    file = stored_file(owner, "pic.png", image_bytes("RGB", (900, 300), "PNG"), content_type="image/png")
    version_thumbnail_task(str(file.current_version_id))

    response = owner_client.get(f"/api/v1/files/{file.pk}/thumbnail/")

    assert response.status_code == 302
    status, headers, body = _follow(owner_client, response)
    assert status == 200
    assert headers["Content-Type"] == "image/webp"
    assert headers["Content-Disposition"].startswith("inline")
    assert Image.open(io.BytesIO(body)).size == (512, 171)


def test_thumbnail_is_404_without_one_and_for_the_stranger(local_settings, owner, owner_client, stranger_client):
    pending = stored_file(owner, "pending.png", image_bytes("RGB", (10, 10), "PNG"), content_type="image/png")
    text = stored_file(owner, "notes.txt", b"hi", content_type="text/plain")
    done = stored_file(owner, "done.png", image_bytes("RGB", (10, 10), "PNG"), content_type="image/png")
    version_thumbnail_task(str(done.current_version_id))

    assert owner_client.get(f"/api/v1/files/{pending.pk}/thumbnail/").status_code == 404
    assert owner_client.get(f"/api/v1/files/{text.pk}/thumbnail/").json()["error"]["code"] == "not_found"
    assert owner_client.get(f"/api/v1/files/{done.pk}/thumbnail/").status_code == 302
    assert stranger_client.get(f"/api/v1/files/{done.pk}/thumbnail/").status_code == 404
    assert owner_client.get("/api/v1/files/not-a-uuid/thumbnail/").status_code == 404


@pytest.mark.parametrize(
    ("name", "content_type", "inline"),
    [
        ("photo.png", "image/png", True),
        ("paper.pdf", "application/pdf", True),
        ("song.mp3", "audio/mpeg", True),
        ("clip.mp4", "video/mp4", True),
        ("notes.txt", "text/plain", True),
        ("drawing.svg", "image/svg+xml", False),
        ("page.html", "text/html", False),
        ("data.bin", "application/octet-stream", False),
    ],
)
def test_preview_is_inline_only_for_types_that_cannot_run_script(
    local_settings, owner, owner_client, name, content_type, inline
):
    file = stored_file(owner, name, b"<script>alert(1)</script>", content_type=content_type)

    response = owner_client.get(f"/api/v1/files/{file.pk}/preview/")

    assert response.status_code == 302
    status, headers, _ = _follow(owner_client, response)
    assert status == 200
    assert headers["Content-Disposition"].startswith("inline" if inline else "attachment")


def test_preview_redirect_in_s3_asks_for_inline_disposition(s3_settings, owner, owner_client):
    file = stored_file(owner, "paper.pdf", b"%PDF-1.7", content_type="application/pdf")

    response = owner_client.get(f"/api/v1/files/{file.pk}/preview/")

    assert response.status_code == 302
    assert "response-content-disposition=inline" in response["Location"]


def test_preview_is_404_for_the_stranger_and_a_trashed_file(local_settings, owner, owner_client, stranger_client):
    file = stored_file(owner, "paper.pdf", b"%PDF-1.7", content_type="application/pdf")

    assert stranger_client.get(f"/api/v1/files/{file.pk}/preview/").status_code == 404
    file_trash(actor=owner, file=file, origin=TASK)
    assert owner_client.get(f"/api/v1/files/{file.pk}/preview/").status_code == 404
