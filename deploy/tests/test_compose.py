"""Dockerfile and docker-compose.yml: the distribution's `docker-compose config` accepts the
file (no engine needed), the services run Kosha's image as web, worker and event consumer,
the images are pinned, and the two helper scripts the containers run work."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import boto3
import yaml

REPO = Path(__file__).resolve().parents[2]
KOSHA_IMAGE = "${KOSHA_IMAGE:-kosha:local}"


def _compose_config(tmp_path, *options):
    """`docker-compose config` in a mirror of the repository whose .env is .env.example,
    with nothing from this process's environment (compose would interpolate it)."""
    compose = shutil.which("docker-compose")
    assert compose, "needs Debian's docker-compose (apt-get install docker-compose; .ci/run installs it)"
    for entry in REPO.iterdir():
        if entry.name not in {".env", ".git", ".venv", "var"}:
            (tmp_path / entry.name).symlink_to(entry)
    shutil.copy(REPO / ".env.example", tmp_path / ".env")
    result = subprocess.run(
        [compose, *options, "config"],
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_compose_runs_kosha_image_as_web_worker_and_consumer_beside_its_stores(tmp_path):
    services = _compose_config(tmp_path)["services"]

    assert set(services) == {"db", "redis", "s3", "bucket", "migrate", "web", "worker", "events"}
    kosha = {name: service for name, service in services.items() if service.get("image") == "kosha:local"}
    assert set(kosha) == {"bucket", "migrate", "web", "worker", "events"}
    assert all(service["build"]["context"] == str(tmp_path) for service in kosha.values())
    assert "gunicorn kosha.wsgi:application" in " ".join(services["web"]["command"])
    assert services["worker"]["command"] == ["python", "manage.py", "qcluster"]
    assert "manage.py storage_events_consume --queue-url" in " ".join(services["events"]["command"])
    # The wiring wins over .env's values of the same names.
    environment = services["web"]["environment"]
    assert environment["DATABASE_URL"] == "postgres://kosha:kosha@db:5432/kosha"
    assert (environment["KOSHA_STORAGE"], environment["KOSHA_S3_ENDPOINT_URL"]) == ("s3", "http://s3.localhost:8333")
    assert environment["ALLOWED_HOSTS"] == "kosha.example.com,web"
    assert services["s3"]["environment"]["WEED_NOTIFICATION_WEBHOOK_ENDPOINT"] == (
        "http://web:8000/api/v1/webhooks/storage/"
    )
    # Only the web is published, on loopback, for the reverse proxy; and the S3 store for browsers.
    published = {name: service.get("ports") for name, service in services.items() if service.get("ports")}
    assert set(published) == {"web", "s3"}
    assert published == {"web": ["127.0.0.1:8000:8000/tcp"], "s3": ["127.0.0.1:8333:8333/tcp"]}


def test_the_event_consumer_is_the_only_service_behind_a_profile(tmp_path):
    services = _compose_config(tmp_path)["services"]

    # Debian's docker-compose 1.29 lists every service in `config`; `up` honours profiles.
    profiled = {name: service["profiles"] for name, service in services.items() if "profiles" in service}
    assert profiled == {"events": ["sqs"]}


def test_every_other_image_is_pinned_to_a_version(tmp_path):
    services = _compose_config(tmp_path)["services"]

    images = {service["image"] for service in services.values()} - {"kosha:local"}

    assert images, "the stores are images"
    for image in images:
        tag = image.rpartition(":")[2]
        assert re.match(r"^\d+\.\d+", tag), f"{image} is not pinned to a version"


def test_the_dockerfile_builds_in_stages_runs_unprivileged_and_checks_health():
    dockerfile = (REPO / "Dockerfile").read_text().replace("\\\n", " ")

    stages = re.findall(r"^FROM\s+(\S+)", dockerfile, re.MULTILINE)
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)", dockerfile, re.MULTILINE)[1]
    assert len(stages) == 2 and all(stage.startswith("${PYTHON_IMAGE}") for stage in stages)
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+", base)
    assert re.search(r"^USER kosha$", dockerfile, re.MULTILINE)
    assert re.search(r"^RUN .*manage\.py collectstatic --noinput", dockerfile, re.MULTILINE)
    assert re.search(r'^HEALTHCHECK .* CMD \["python", "/app/deploy/healthcheck.py"\]$', dockerfile, re.MULTILINE)
    ignored = (REPO / ".dockerignore").read_text().split()
    assert {".env", ".git", ".venv", "var"} <= set(ignored)


# --- the scripts the containers run ------------------------------------------------------------


def _healthcheck(port, allowed_hosts):
    return subprocess.run(
        [sys.executable, str(REPO / "deploy" / "healthcheck.py")],
        env={"PATH": os.environ["PATH"], "PORT": str(port), "ALLOWED_HOSTS": allowed_hosts},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_the_health_check_passes_when_healthz_answers(live_server):
    port = live_server.url.rsplit(":", 1)[1]

    assert _healthcheck(port, ".localhost,other.example.com").returncode == 0


def test_the_health_check_fails_for_a_host_django_refuses_and_for_no_server(live_server):
    port = live_server.url.rsplit(":", 1)[1]
    with socket_bound() as closed_port:
        nobody = _healthcheck(closed_port, "localhost")

    refused = _healthcheck(port, "kosha.example.com")

    assert refused.returncode == 1
    assert "/healthz answered 400" in refused.stderr
    assert nobody.returncode == 1


class socket_bound:
    """A loopback port that is bound but not listening: connections to it are refused."""

    def __enter__(self):
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        return self.sock.getsockname()[1]

    def __exit__(self, *exc):
        self.sock.close()


def test_bucket_setup_creates_the_bucket_with_the_site_origins_and_is_safe_to_rerun(moto_endpoint):
    bucket = "kosha-compose-setup"
    env = {
        "PATH": os.environ["PATH"],
        "KOSHA_S3_ENDPOINT_URL": moto_endpoint,
        "KOSHA_S3_BUCKET": bucket,
        "KOSHA_S3_ACCESS_KEY_ID": "testing",
        "KOSHA_S3_SECRET_ACCESS_KEY": "testing",
        "CSRF_TRUSTED_ORIGINS": "https://kosha.example.org, https://files.example.org",
    }
    script = [sys.executable, str(REPO / "deploy" / "compose" / "bucket_setup.py")]

    first = subprocess.run(script, env=env, capture_output=True, text=True, timeout=60)
    again = subprocess.run(script, env=env, capture_output=True, text=True, timeout=60)

    assert first.returncode == 0, first.stderr
    assert (again.returncode, again.stdout.splitlines()[0]) == (0, f"Bucket {bucket} exists.")
    s3 = boto3.client(
        "s3", endpoint_url=moto_endpoint, region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"
    )
    rules = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert [(rule["AllowedOrigins"], rule["ExposeHeaders"]) for rule in rules] == [
        (["https://kosha.example.org", "https://files.example.org"], ["ETag"])
    ]
    lifecycle = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert [rule["ID"] for rule in lifecycle] == ["kosha-abort-incomplete-multipart-uploads"]


def test_bucket_setup_refuses_to_run_without_the_site_origin(moto_endpoint):
    result = subprocess.run(
        [sys.executable, str(REPO / "deploy" / "compose" / "bucket_setup.py")],
        env={"PATH": os.environ["PATH"], "KOSHA_S3_ENDPOINT_URL": moto_endpoint, "KOSHA_S3_BUCKET": "kosha-x"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 1
    assert "CSRF_TRUSTED_ORIGINS" in result.stderr
