"""The remote store of the shared build cache: S3, or any S3-compatible service, through boto3.

The one seam to it (:class:`ObjectStore`): the remote layer (``remote_cache``) asks for objects by key, writes
new ones only if absent (S3's conditional write, ``If-None-Match: *``: two runners writing one key cannot
overwrite each other), and replaces one only when it found it damaged. boto3 finds credentials as every AWS
tool does (environment, profile, instance or task role); ``AWS_ENDPOINT_URL`` or ``endpoint_url`` names an
S3-compatible store. Anything that stops the store from answering (unreachable, forbidden, no such bucket,
no credentials) is :class:`StoreUnavailable`, whose message names no credential.
"""

from __future__ import annotations

import logging
from typing import Any, Optional, Protocol, Tuple

from .credentials import redact_credentials


class StoreUnavailable(Exception):
    """The remote store does not answer, or refuses: the build goes on with the local cache alone."""


class ObjectStore(Protocol):
    """Objects by key (``builds/<key>.json``, ``wheels/<sha256>.whl``) in one remote place."""

    description: str  # where, for a person (``s3://bucket/prefix``)

    def get(self, key: str) -> Optional[bytes]:
        """The object's bytes, or None when there is none (:class:`StoreUnavailable` when the store fails)."""

    def put_new(self, key: str, data: bytes) -> bool:
        """Write the object unless one is there; whether this call wrote it."""

    def replace(self, key: str, data: bytes) -> None:
        """Write the object over what is there (a damaged object, found so by its digest)."""


def parse_s3_url(url: str) -> Tuple[str, str]:
    """``s3://bucket/some/prefix`` as ``("bucket", "some/prefix/")`` (the prefix ends with ``/`` or is empty)."""
    if not url.startswith("s3://") or not url[len("s3://"):].split("/", 1)[0]:
        raise ValueError(f"not an S3 URL (s3://bucket/prefix): {redact_credentials(url)}")
    bucket, _, prefix = url[len("s3://"):].partition("/")
    prefix = prefix.strip("/")
    return bucket, prefix + "/" if prefix else ""


class S3Store:
    """The objects under ``s3://bucket/prefix``."""

    def __init__(self, url: str, endpoint_url: Optional[str] = None) -> None:
        self.bucket, self.prefix = parse_s3_url(url)
        self.description = f"s3://{self.bucket}/{self.prefix}"
        try:
            import boto3
            from botocore.config import Config as BotoConfig
        except ImportError as error:
            raise StoreUnavailable("the S3 build cache needs boto3: pip install 'lambda-pip[s3]'") from error
        config = BotoConfig(connect_timeout=5, read_timeout=60, retries={"max_attempts": 2, "mode": "standard"})
        for name in ("boto3", "botocore", "s3transfer", "urllib3"):  # their debug logs show request headers
            logger = logging.getLogger(name)
            logger.setLevel(max(logger.getEffectiveLevel(), logging.WARNING))
        try:
            self._client = boto3.client("s3", endpoint_url=endpoint_url or None, config=config)
        except Exception as error:  # botocore's own errors (a bad region or endpoint) are not one class
            raise StoreUnavailable(f"{self.description}: {_said(error)}") from error

    def get(self, key: str) -> Optional[bytes]:
        try:
            return self._client.get_object(Bucket=self.bucket, Key=self.prefix + key)["Body"].read()
        except Exception as error:
            # Without s3:ListBucket, S3 says 403 for a key that is not there: a miss, as for a bucket that lets
            # this runner read nothing (its writes, if refused too, say so).
            if _code(error) in ("NoSuchKey", "404", "NotFound", "AccessDenied", "403"):
                return None
            raise StoreUnavailable(f"{self.description}: {_said(error)}") from error

    def put_new(self, key: str, data: bytes) -> bool:
        try:
            self._client.put_object(Bucket=self.bucket, Key=self.prefix + key, Body=data, IfNoneMatch="*")
            return True
        except Exception as error:
            if _code(error) in ("PreconditionFailed", "412", "ConditionalRequestConflict", "409"):
                return False  # there already, or being written by another runner now
            raise StoreUnavailable(f"{self.description}: {_said(error)}") from error

    def replace(self, key: str, data: bytes) -> None:
        try:
            self._client.put_object(Bucket=self.bucket, Key=self.prefix + key, Body=data)
        except Exception as error:
            raise StoreUnavailable(f"{self.description}: {_said(error)}") from error


def _code(error: Exception) -> str:
    response: Any = getattr(error, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def _said(error: Exception) -> str:
    """What went wrong, in botocore's words without any credential."""
    return redact_credentials(f"{_code(error) or type(error).__name__}: {error}")
