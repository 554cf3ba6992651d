"""A small client of the upload protocol for tests: the API through the Django test
client, the bytes by plain HTTP (requests) to the presigned URLs, as a browser would."""

import hashlib
from dataclasses import dataclass

import requests
from django.db.models import Sum

from plans.models import Usage
from storage.backends import get_backend
from storage.models import File, FileVersion, UploadSession


@dataclass
class ProtocolClient:
    api: object  # rest_framework.test.APIClient, authenticated
    base_url: str  # where relative (local backend) URLs are served: the live server

    def absolute(self, url: str) -> str:
        return url.replace("http://testserver", self.base_url, 1)

    def start(self, **body):
        return self.api.post("/api/v1/uploads/", body, format="json")

    def put(self, url: str, data: bytes, headers: dict | None = None) -> requests.Response:
        return requests.put(self.absolute(url), data=data, headers=headers or {}, timeout=60)

    def part_urls(self, upload_id, numbers):
        response = self.api.post(f"/api/v1/uploads/{upload_id}/parts/", {"numbers": numbers}, format="json")
        assert response.status_code == 200, response.json()
        return {part["number"]: part for part in response.json()["parts"]}

    def put_parts(self, upload_id, chunks: dict[int, bytes]) -> dict[int, str]:
        urls = self.part_urls(upload_id, sorted(chunks))
        etags = {}
        for number, chunk in chunks.items():
            answer = self.put(urls[number]["url"], chunk, urls[number]["headers"])
            assert answer.status_code == 200, answer.text
            etags[number] = answer.headers["ETag"]
        return etags

    def complete(self, upload_id, etags: dict[int, str] | None = None):
        body = {"parts": [{"number": n, "etag": e} for n, e in sorted(etags.items())]} if etags else {}
        return self.api.post(f"/api/v1/uploads/{upload_id}/complete/", body, format="json")

    def upload(self, name: str, data: bytes, *, content_type="application/octet-stream", sha256=True, **extra):
        """The whole single-PUT flow; returns the complete response."""
        body = {"name": name, "size": len(data), "content_type": content_type, **extra}
        if sha256:
            body["sha256"] = hashlib.sha256(data).hexdigest()
        started = self.start(**body)
        assert started.status_code == 201, started.json()
        started = started.json()
        assert started["strategy"] == "single"
        answer = self.put(started["url"], data, started["headers"])
        assert answer.status_code == 200, answer.text
        return self.complete(started["id"])

    def batch_start(self, files: list[dict], folder=None):
        body = {"files": files} if folder is None else {"files": files, "folder": str(folder)}
        return self.api.post("/api/v1/uploads/batch/", body, format="json")

    def batch_complete(self, upload_ids: list):
        return self.api.post(
            "/api/v1/uploads/batch/complete/", {"uploads": [str(i) for i in upload_ids]}, format="json"
        )

    def batch_put(self, started: list[dict], contents: dict[str, bytes]) -> list[str]:
        """PUT each started file's bytes (contents by name); returns the upload ids."""
        ids = []
        for entry in started:
            answer = self.put(entry["upload"]["url"], contents[entry["name"]], entry["upload"]["headers"])
            assert answer.status_code == 200, answer.text
            ids.append(entry["upload"]["id"])
        return ids


def usage_of(user) -> Usage:
    return Usage.objects.get(user=user)


def assert_usage_consistent(user) -> None:
    """The invariant: usage equals the sum of the user's version sizes, the file count
    equals the user's files, and reservations equal the pending sessions (bytes, and the
    file slots they reserved: none for a new version of a live file)."""
    usage = usage_of(user)
    versions = FileVersion.objects.filter(file__owner=user).aggregate(total=Sum("size_bytes"))["total"] or 0
    pending = UploadSession.objects.filter(owner=user, status=UploadSession.Status.PENDING)
    assert usage.used_bytes == versions
    assert usage.file_count == File.objects.filter(owner=user).count()
    assert usage.reserved_bytes == (pending.aggregate(total=Sum("size_bytes"))["total"] or 0)
    assert usage.reserved_files == (pending.aggregate(files=Sum("reserved_files"))["files"] or 0)


def assert_upload_completed_as_first_file(upload: UploadSession, *, name: str, data: bytes) -> None:
    """`upload` (refreshed here) completed into a version of file `name` holding `data` at
    the session's key, the first and only file of its owner, whose usage counts it alone."""
    upload.refresh_from_db()
    assert upload.status == UploadSession.Status.COMPLETED
    version = FileVersion.objects.get(pk=upload.version_id)
    assert (version.file.name, version.size_bytes, version.key) == (name, len(data), upload.key)
    usage = usage_of(upload.owner)
    assert (usage.used_bytes, usage.reserved_bytes, usage.file_count) == (len(data), 0, 1)
    assert_usage_consistent(upload.owner)


def assert_upload_failed_leaving_nothing(upload: UploadSession, *, files_left: int) -> None:
    """`upload` (refreshed here) failed: its object is gone from the active store, its owner
    still has `files_left` files, nothing stays reserved and usage is consistent."""
    upload.refresh_from_db()
    assert upload.status == UploadSession.Status.FAILED
    assert get_backend().head(key=upload.key) is None
    assert File.objects.filter(owner=upload.owner).count() == files_left
    assert usage_of(upload.owner).reserved_bytes == 0
    assert_usage_consistent(upload.owner)
