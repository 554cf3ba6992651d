"""Object storage: the store, its optional replica, the upload protocol's limits and the
anonymous drop links' budgets."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from kosha.env import env_bool, env_choice, env_int, env_str
from kosha.settings.base import KOSHA_VAR_DIR

# --- Object storage -------------------------------------------------------------------
KOSHA_STORAGE = env_choice("KOSHA_STORAGE", "local", ("local", "s3"))
KOSHA_LOCAL_STORAGE_DIR = Path(env_str("KOSHA_LOCAL_STORAGE_DIR", str(KOSHA_VAR_DIR / "objects")))
KOSHA_S3_ENDPOINT_URL = env_str("KOSHA_S3_ENDPOINT_URL") or None
KOSHA_S3_BUCKET = env_str("KOSHA_S3_BUCKET")
KOSHA_S3_REGION = env_str("KOSHA_S3_REGION", "us-east-1")
KOSHA_S3_ACCESS_KEY_ID = env_str("KOSHA_S3_ACCESS_KEY_ID") or None
KOSHA_S3_SECRET_ACCESS_KEY = env_str("KOSHA_S3_SECRET_ACCESS_KEY") or None
KOSHA_S3_ADDRESSING_STYLE = env_choice("KOSHA_S3_ADDRESSING_STYLE", "path", ("path", "virtual", "auto"))
# Sign single PUTs as conditional writes (If-None-Match: *). Turn off only for a store that
# refuses the header; then a late PUT is removed by the delayed delete (docs/deployment.md).
KOSHA_S3_CONDITIONAL_PUT = env_bool("KOSHA_S3_CONDITIONAL_PUT", True)
# Whether the store refuses a PUT whose body does not match the SHA-256 its URL signed:
# then a batch complete verifies checksummed files with one listing instead of a HEAD or
# GET each. "auto" asks the store once per process (storage/backends/s3_probe.py).
KOSHA_S3_VERIFIES_CHECKSUMS = env_choice("KOSHA_S3_VERIFIES_CHECKSUMS", "auto", ("auto", "true", "false"))
if KOSHA_STORAGE == "s3" and not KOSHA_S3_BUCKET:
    raise ImproperlyConfigured("KOSHA_S3_BUCKET must be set when KOSHA_STORAGE=s3")

# An optional replica store beside the primary (docs/deployment.md, "Replica and failover"):
# "" (none), "local" (a directory) or "s3" (a second endpoint and bucket). A worker copies
# every recorded blob to it; reads fail over to it while the primary is down.
KOSHA_REPLICA_STORAGE = env_choice("KOSHA_REPLICA_STORAGE", "", ("", "local", "s3"))
KOSHA_REPLICA_LOCAL_STORAGE_DIR = Path(env_str("KOSHA_REPLICA_LOCAL_STORAGE_DIR", str(KOSHA_VAR_DIR / "replica")))
KOSHA_REPLICA_S3_ENDPOINT_URL = env_str("KOSHA_REPLICA_S3_ENDPOINT_URL") or None
KOSHA_REPLICA_S3_BUCKET = env_str("KOSHA_REPLICA_S3_BUCKET")
KOSHA_REPLICA_S3_REGION = env_str("KOSHA_REPLICA_S3_REGION", "us-east-1")
KOSHA_REPLICA_S3_ACCESS_KEY_ID = env_str("KOSHA_REPLICA_S3_ACCESS_KEY_ID") or None
KOSHA_REPLICA_S3_SECRET_ACCESS_KEY = env_str("KOSHA_REPLICA_S3_SECRET_ACCESS_KEY") or None
KOSHA_REPLICA_S3_ADDRESSING_STYLE = env_choice("KOSHA_REPLICA_S3_ADDRESSING_STYLE", "path", ("path", "virtual", "auto"))
# The circuit breaker: open after this many consecutive failures of the primary, then probe
# it once every KOSHA_REPLICA_PROBE_SECONDS and close when it answers.
KOSHA_REPLICA_FAILURE_THRESHOLD = env_int("KOSHA_REPLICA_FAILURE_THRESHOLD", 3, minimum=1)
KOSHA_REPLICA_PROBE_SECONDS = env_int("KOSHA_REPLICA_PROBE_SECONDS", 10, minimum=1)
if KOSHA_REPLICA_STORAGE == "s3" and not KOSHA_REPLICA_S3_BUCKET:
    raise ImproperlyConfigured("KOSHA_REPLICA_S3_BUCKET must be set when KOSHA_REPLICA_STORAGE=s3")

# Upload protocol tuning (DESIGN.md): single PUT up to the threshold, multipart above.
KOSHA_MULTIPART_THRESHOLD_BYTES = env_int("KOSHA_MULTIPART_THRESHOLD_BYTES", 64 * 1024 * 1024, minimum=5 * 1024 * 1024)
# A SigV4 presigned URL lives at most 7 days (AWS S3 user guide, "Sharing objects with
# presigned URLs"): a longer lifetime is refused at start-up, on either store, rather
# than by the store at the first upload.
PRESIGNED_URL_MAX_SECONDS = 7 * 24 * 3600
KOSHA_PUT_URL_EXPIRES_SECONDS = env_int(
    "KOSHA_PUT_URL_EXPIRES_SECONDS", 60, minimum=1, maximum=PRESIGNED_URL_MAX_SECONDS
)
KOSHA_PART_URL_EXPIRES_SECONDS = env_int(
    "KOSHA_PART_URL_EXPIRES_SECONDS", 600, minimum=1, maximum=PRESIGNED_URL_MAX_SECONDS
)
KOSHA_DOWNLOAD_URL_EXPIRES_SECONDS = env_int(
    "KOSHA_DOWNLOAD_URL_EXPIRES_SECONDS", 300, minimum=1, maximum=PRESIGNED_URL_MAX_SECONDS
)
KOSHA_UPLOAD_SESSION_HOURS = env_int("KOSHA_UPLOAD_SESSION_HOURS", 24, minimum=1)
KOSHA_PART_URL_BATCH_MAX = env_int("KOSHA_PART_URL_BATCH_MAX", 100, minimum=1)
# Anonymous drop links (sharing/drops.py): what one link may take per window, however
# many clients reach it, and how long an anonymous start's reservation lasts.
KOSHA_DROP_MAX_FILE_BYTES = env_int("KOSHA_DROP_MAX_FILE_BYTES", 1024**3, minimum=1)
KOSHA_DROP_WINDOW_SECONDS = env_int("KOSHA_DROP_WINDOW_SECONDS", 3600, minimum=60)
KOSHA_DROP_STARTS_PER_CLIENT = env_int("KOSHA_DROP_STARTS_PER_CLIENT", 60, minimum=1)
KOSHA_DROP_STARTS_PER_LINK = env_int("KOSHA_DROP_STARTS_PER_LINK", 300, minimum=1)
KOSHA_DROP_BYTES_PER_LINK = env_int("KOSHA_DROP_BYTES_PER_LINK", 2 * 1024**3, minimum=1)
KOSHA_DROP_RESERVATION_MINUTES = env_int("KOSHA_DROP_RESERVATION_MINUTES", 60, minimum=5)
# Batch uploads (POST /api/v1/uploads/batch/ and .../batch/complete/): files per request,
# and how many HEADs a batch complete sends to the store at once.
KOSHA_UPLOAD_BATCH_MAX = env_int("KOSHA_UPLOAD_BATCH_MAX", 500, minimum=1)
KOSHA_UPLOAD_BATCH_STORE_WORKERS = env_int("KOSHA_UPLOAD_BATCH_STORE_WORKERS", 16, minimum=1)
# How deep folders may nest (a root-level folder is 1): every tree walk ends within it.
KOSHA_MAX_FOLDER_DEPTH = env_int("KOSHA_MAX_FOLDER_DEPTH", 256, minimum=1)
# A session that ends unrecorded has its key deleted again this long after its URLs stop
# starting PUTs, so a body still arriving then (or a late PUT) does not survive.
KOSHA_LATE_WRITE_MARGIN_SECONDS = env_int("KOSHA_LATE_WRITE_MARGIN_SECONDS", 3600, minimum=60)
