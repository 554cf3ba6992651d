"""The container's HEALTHCHECK: GET /healthz on this container's gunicorn.

/healthz needs no database (liveness only). The request carries the first ALLOWED_HOSTS
name (Django answers 400 to any other Host) and X-Forwarded-Proto: https, which only
counts when SECURE_PROXY_SSL_HEADER is on, and then keeps SECURE_SSL_REDIRECT from
answering a redirect. Exit status 0 when healthy, 1 otherwise (Docker's convention).
"""

import http.client
import os
import sys


def main() -> int:
    hosts = [host.strip().lstrip(".") for host in os.environ.get("ALLOWED_HOSTS", "").split(",") if host.strip()]
    host = next((name for name in hosts if "*" not in name), "localhost")
    connection = http.client.HTTPConnection("127.0.0.1", int(os.environ.get("PORT", "8000")), timeout=4)
    try:
        connection.request("GET", "/healthz", headers={"Host": host, "X-Forwarded-Proto": "https"})
        status = connection.getresponse().status
    except OSError as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1
    finally:
        connection.close()
    if status != 200:
        print(f"unhealthy: /healthz answered {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
