"""Results through an S3-compatible bucket, with the runpod SDK's conventions.

A worker uploads its video when `BUCKET_ENDPOINT_URL`, `BUCKET_ACCESS_KEY_ID` and
`BUCKET_SECRET_ACCESS_KEY` are set on the endpoint (the variables the SDK's
`rp_upload` reads), into `BUCKET_NAME` (the SDK's default is a bucket named
after the month, `%m-%y`), and returns a presigned URL. The object key is
predictable from the job, so a client with the same variables can still fetch
a chunk from the bucket after RunPod has dropped the job's result (30 minutes
after it finished). boto3 is imported only when a bucket is used.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from .errors import RemoteError

ENDPOINT_VARIABLE: Final = "BUCKET_ENDPOINT_URL"
ACCESS_KEY_VARIABLE: Final = "BUCKET_ACCESS_KEY_ID"
SECRET_KEY_VARIABLE: Final = "BUCKET_SECRET_ACCESS_KEY"
NAME_VARIABLE: Final = "BUCKET_NAME"
BUCKET_VARIABLES: Final = (ENDPOINT_VARIABLE, ACCESS_KEY_VARIABLE, SECRET_KEY_VARIABLE,
                           NAME_VARIABLE)
KEY_PREFIX: Final = "talkinghead"


def bucket_configured(environ: Mapping[str, str] | None = None) -> bool:
    environ = os.environ if environ is None else environ
    return all(environ.get(v) for v in BUCKET_VARIABLES[:3])


def bucket_name(environ: Mapping[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    return environ.get(NAME_VARIABLE) or time.strftime("%m-%y")  # the SDK's default


def chunk_key(job_id: str, index: int, suffix: str = ".mp4") -> tuple[str, str]:
    """(prefix, file name) of a chunk's part in the bucket."""
    return f"{KEY_PREFIX}/{job_id}", f"{index:05d}{suffix}"


def upload(path: Path, prefix: str, file_name: str) -> dict:
    """Upload with the SDK's helper; returns {"url", "bucket", "key"}."""
    try:
        from runpod.serverless.utils.rp_upload import upload_file_to_bucket
    except ImportError as e:  # the worker image always has it; say so if not
        raise RemoteError("uploading to a bucket needs the runpod SDK "
                          "(pip install 'talkinghead[runpod]')") from e
    bucket = bucket_name()
    url = upload_file_to_bucket(file_name, str(path), bucket_name=bucket, prefix=prefix)
    return {"url": url, "bucket": bucket, "key": f"{prefix}/{file_name}"}


def download_object(bucket: str, key: str, destination: Path,
                    environ: Mapping[str, str] | None = None) -> None:
    """Fetch an object with the client's own bucket credentials (boto3)."""
    environ = os.environ if environ is None else environ
    try:
        import boto3
    except ImportError as e:
        raise RemoteError("fetching from the bucket needs boto3 "
                          "(pip install 'talkinghead[runpod]')") from e
    client = boto3.client("s3", endpoint_url=environ[ENDPOINT_VARIABLE],
                          aws_access_key_id=environ[ACCESS_KEY_VARIABLE],
                          aws_secret_access_key=environ[SECRET_KEY_VARIABLE])
    try:
        client.download_file(bucket, key, str(destination))
    except Exception as e:  # botocore's errors share no base class worth importing here
        raise RemoteError(f"cannot fetch s3://{bucket}/{key}: {type(e).__name__}") from e
