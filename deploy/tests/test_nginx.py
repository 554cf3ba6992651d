"""deploy/nginx/kosha.conf under a real nginx (Debian's nginx-light): the site file as
shipped, with only its ports, certificate paths and upstream addresses pointed at this test
(a throwaway certificate, and a small upstream that records what reaches it)."""

import http.server
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import warnings
from pathlib import Path

import pytest
import requests
from django.test import RequestFactory

from kosha.addresses import client_ip
from kosha.testing.network import free_port

SITE = Path(__file__).resolve().parents[1] / "nginx" / "kosha.conf"
MiB = 1024 * 1024


class _Recorder(http.server.BaseHTTPRequestHandler):
    """The upstream: answers 200 with what it received (headers, body length)."""

    protocol_version = "HTTP/1.1"
    seen: list = []

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        received = 0
        while received < length:
            received += len(self.rfile.read(min(MiB, length - received)))
        self.seen.append({"method": self.command, "path": self.path, "headers": dict(self.headers), "bytes": received})
        body = json.dumps({"bytes": received}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_POST = do_PROPFIND = _answer

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def upstream():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def _site_for_test(*, http_port, https_port, upstream_port, cert, key):
    site = SITE.read_text()
    site = re.sub(r"^\s*listen \[::\]:.*\n", "", site, flags=re.MULTILINE)
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    site = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {cert};", site)
    site = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};", site)
    return site.replace("127.0.0.1:8000;", f"127.0.0.1:{upstream_port};").replace(
        "127.0.0.1:8333;", f"127.0.0.1:{upstream_port};"
    )


@pytest.fixture(scope="module")
def nginx(tmp_path_factory, upstream):
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    assert os.path.exists(binary), "needs Debian's nginx (apt-get install nginx-light; .ci/run installs it)"
    root = tmp_path_factory.mktemp("nginx")
    cert, key = root / "cert.pem", root / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=kosha.example.com",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    ports = {"http_port": free_port(), "https_port": free_port()}
    (root / "kosha.conf").write_text(
        _site_for_test(**ports, upstream_port=upstream.server_address[1], cert=cert, key=key)
    )
    temp = {name: root / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    (root / "nginx.conf").write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"daemon off;\nworker_processes 1;\npid {root}/nginx.pid;\nerror_log {root}/error.log;\n"
        + "events { worker_connections 64; }\nhttp {\n  access_log off;\n"
        + "".join(f"  {name}_temp_path {path};\n" for name, path in temp.items()).replace(
            "body_temp", "client_body_temp"
        )
        + f"  include {root}/kosha.conf;\n}}\n"
    )
    config = ["-p", str(root), "-c", str(root / "nginx.conf")]
    checked = subprocess.run([binary, "-t", *config], capture_output=True, text=True, timeout=30)
    process = subprocess.Popen([binary, *config], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    for _ in range(100):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", ports["https_port"])) == 0:
                break
        time.sleep(0.05)
    yield {"checked": checked, **ports}
    process.send_signal(signal.SIGQUIT)
    process.wait(timeout=30)


def _https(nginx, method, path, *, host="kosha.example.com", **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the throwaway certificate
        return requests.request(
            method,
            f"https://127.0.0.1:{nginx['https_port']}{path}",
            headers={"Host": host, **kwargs.pop("headers", {})},
            verify=False,
            timeout=60,
            allow_redirects=False,
            **kwargs,
        )


def test_nginx_accepts_the_site_file(nginx):
    assert nginx["checked"].returncode == 0, nginx["checked"].stderr


def test_the_proxy_sends_the_headers_kosha_trusts_one_proxy_for(nginx, upstream, settings):
    _Recorder.seen.clear()

    answer = _https(nginx, "GET", "/api/v1/usage/", headers={"X-Forwarded-For": "203.0.113.9"})

    assert answer.status_code == 200
    headers = _Recorder.seen[-1]["headers"]
    assert (headers["Host"], headers["X-Forwarded-Proto"]) == ("kosha.example.com", "https")
    assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-ID"])
    # The address the client wrote is kept but not believed: one trusted proxy, the last entry.
    assert headers["X-Forwarded-For"] == "203.0.113.9, 127.0.0.1"
    settings.KOSHA_TRUSTED_PROXIES = 1
    request = RequestFactory().get("/", REMOTE_ADDR="172.18.0.1", HTTP_X_FORWARDED_FOR=headers["X-Forwarded-For"])
    assert client_ip(request) == "127.0.0.1"


def test_webdav_bodies_have_no_size_limit_while_the_api_keeps_one(nginx, upstream):
    body = os.urandom(20 * MiB)

    dav = _https(nginx, "PUT", "/dav/Documents/big.bin", data=body)
    api = _https(nginx, "PUT", "/api/v1/files/x/", data=body)

    assert (dav.status_code, dav.json()) == (200, {"bytes": len(body)})
    assert api.status_code == 413


def test_the_s3_host_passes_the_signed_host_header_and_large_bodies(nginx, upstream):
    _Recorder.seen.clear()
    body = os.urandom(20 * MiB)

    answer = _https(nginx, "PUT", "/kosha/users/u/blobs/b?X-Amz-Signature=abc", host="s3.kosha.example.com", data=body)

    assert (answer.status_code, answer.json()) == (200, {"bytes": len(body)})
    assert _Recorder.seen[-1]["headers"]["Host"] == "s3.kosha.example.com"
    assert _Recorder.seen[-1]["path"] == "/kosha/users/u/blobs/b?X-Amz-Signature=abc"


def test_plain_http_is_sent_to_https(nginx):
    answer = requests.get(
        f"http://127.0.0.1:{nginx['http_port']}/login?next=/",
        headers={"Host": "kosha.example.com"},
        allow_redirects=False,
        timeout=10,
    )

    assert (answer.status_code, answer.headers["Location"]) == (301, "https://kosha.example.com/login?next=/")
