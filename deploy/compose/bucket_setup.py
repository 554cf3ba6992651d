"""One-shot for docker-compose.yml: create Kosha's bucket on the compose S3 store and give
it the CORS rules and lifecycle rule of docs/s3-cors.json and docs/s3-lifecycle.json,
with the site's origins (CSRF_TRUSTED_ORIGINS) in place of the example origin.

Reads KOSHA_S3_ENDPOINT_URL, KOSHA_S3_BUCKET, KOSHA_S3_REGION, KOSHA_S3_ACCESS_KEY_ID and
KOSHA_S3_SECRET_ACCESS_KEY, as Kosha does. Safe to run again: an existing bucket is kept
and its rules replaced. A store that refuses the lifecycle rule gets a warning (Kosha's
own sweep still aborts the uploads it knows about).
"""

import json
import os
import sys
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

DOCS = Path(__file__).resolve().parents[2] / "docs"


def main() -> int:
    bucket = os.environ["KOSHA_S3_BUCKET"]
    origins = [origin.strip() for origin in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if origin.strip()]
    if not origins:
        print("CSRF_TRUSTED_ORIGINS is empty: the bucket's CORS rules need the site's origin.", file=sys.stderr)
        return 1
    s3 = boto3.client(
        "s3",
        endpoint_url=os.environ.get("KOSHA_S3_ENDPOINT_URL") or None,
        region_name=os.environ.get("KOSHA_S3_REGION", "us-east-1"),
        aws_access_key_id=os.environ.get("KOSHA_S3_ACCESS_KEY_ID") or None,
        aws_secret_access_key=os.environ.get("KOSHA_S3_SECRET_ACCESS_KEY") or None,
        config=Config(s3={"addressing_style": os.environ.get("KOSHA_S3_ADDRESSING_STYLE", "path")}),
    )
    try:
        s3.head_bucket(Bucket=bucket)
        print(f"Bucket {bucket} exists.")
    except ClientError:
        s3.create_bucket(Bucket=bucket)
        print(f"Bucket {bucket} created.")
    cors = json.loads((DOCS / "s3-cors.json").read_text())
    for rule in cors["CORSRules"]:
        rule["AllowedOrigins"] = origins
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=cors)
    print(f"CORS: PUT, GET, HEAD from {', '.join(origins)}, ETag exposed.")
    try:
        lifecycle = json.loads((DOCS / "s3-lifecycle.json").read_text())
        s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration=lifecycle)
        print("Lifecycle: incomplete multipart uploads under users/ are aborted.")
    except ClientError as exc:
        print(f"Warning: the store refused the lifecycle rule ({exc}).", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
