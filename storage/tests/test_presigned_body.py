"""The URL of a presigned request in an answer (storage.api.serializers.presigned_body) is
what request.build_absolute_uri makes of it, for a store's absolute URL (taken as it is
when nothing in it would change) and for the local store's site-relative one. No database."""

from django.test import RequestFactory
from hypothesis import given, settings
from hypothesis import strategies as st

from storage.api.serializers import presigned_body
from storage.backends import PresignedRequest

URLS = [
    "https://bucket.s3.eu-west-1.amazonaws.com/users/u/blobs/0193?X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIA%2F20261201%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Date=20261201T230000Z"
    "&X-Amz-Expires=3600&X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost&X-Amz-Signature=ab12",
    "http://127.0.0.1:8333/kosha/users/u/blobs/k?a=b&c=d~e'f(g)h*i!j$k,l;m@n+o",
    "https://host",
    "https://host/é",  # iri_to_uri quotes it
    "https://host/a b",
    "https://host/a\tb",
    "https://[::1]:9000/a",
    "https://[::1/a",  # urlsplit refuses it: the same ValueError either way
    "https:///path",  # no host: joined to the site's
    "HTTPS://host/a",
    "ftp://host/a",
    "/uploads/local/abc?signature=1",
    "//uploads/x",
    "uploads/x",
    "/a/../b",
    'https://host/a^b|c{d}e"f<g>h`i\\j',
    "",
]


def _answer(request, url):
    put = PresignedRequest(url=url, method="PUT", headers={"Content-Type": "a/b"})
    try:
        return "body", presigned_body(request, put)
    except ValueError as exc:
        return "error", str(exc)


def _reference(request, url):
    try:
        return "body", {"url": request.build_absolute_uri(url), "method": "PUT", "headers": {"Content-Type": "a/b"}}
    except ValueError as exc:
        return "error", str(exc)


def test_each_url_is_what_build_absolute_uri_makes_of_it():
    request = RequestFactory().post("/api/v1/uploads/batch/", HTTP_HOST="testserver")
    for url in URLS:
        assert _answer(request, url) == _reference(request, url), url


@settings(max_examples=300, deadline=None)
@given(
    start=st.sampled_from(["https://", "http://", "https://h", "http://127.0.0.1:9", "/", "//", ""]),
    rest=st.text(alphabet=st.sampled_from(list("aZ09-._~/#%=:;$&()+,!?*@'[] é\t^|\"<>")), max_size=12),
)
def test_any_url_is_what_build_absolute_uri_makes_of_it(start, rest):
    request = RequestFactory().post("/api/v1/uploads/batch/", HTTP_HOST="testserver")
    url = start + rest
    assert _answer(request, url) == _reference(request, url), url
