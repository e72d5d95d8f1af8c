"""The S3 store: any S3-compatible object store (AWS, Aliyun OSS, MinIO, Ceph RGW) via boto3.

A partial upload is one object per received chunk (``partial/<upload>/<offset>``), so several
app servers can take the chunks of one upload; promotion writes the blob with a single PUT,
which S3 makes visible only once complete.
"""
from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

SPOOL_BYTES = 8 * 1024 * 1024


class S3Store:
    """Blobs, thumbnails and partial uploads as objects of one bucket (under ``prefix``)."""

    def __init__(self, bucket: str, endpoint_url: str | None = None,
                 region_name: str | None = None, access_key_id: str | None = None,
                 secret_access_key: str | None = None, prefix: str = "",
                 addressing_style: str = "path") -> None:
        self.bucket, self.prefix = bucket, prefix
        self.client = boto3.client(
            "s3", endpoint_url=endpoint_url, region_name=region_name or "us-east-1",
            aws_access_key_id=access_key_id, aws_secret_access_key=secret_access_key,
            config=Config(s3={"addressing_style": addressing_style},
                          retries={"max_attempts": 3, "mode": "standard"}))

    def _partials(self, upload_id: uuid.UUID) -> list[tuple[int, str, int]]:
        """(offset, key, size) of the upload's chunks, in order."""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=f"{self.prefix}partial/{upload_id}/")
        found = [(int(o["Key"].rsplit("/", 1)[1]), o["Key"], o["Size"])
                 for page in pages for o in page.get("Contents", [])]
        return sorted(found)

    def partial_size(self, upload_id: uuid.UUID) -> int:
        return sum(size for _, _, size in self._partials(upload_id))

    def append_partial(self, upload_id: uuid.UUID, chunks: Iterable[bytes]) -> int:
        offset = self.partial_size(upload_id)
        with tempfile.SpooledTemporaryFile(SPOOL_BYTES) as spool:
            try:
                for chunk in chunks:
                    spool.write(chunk)
            finally:  # what arrived before a cut is kept: the client resumes after it
                size = spool.tell()
                if size:
                    spool.seek(0)
                    self.client.put_object(
                        Bucket=self.bucket, Body=spool, ContentLength=size,
                        Key=f"{self.prefix}partial/{upload_id}/{offset:016d}")
        return offset + size

    def truncate_partial(self, upload_id: uuid.UUID, size: int) -> None:
        for offset, key, _ in self._partials(upload_id):
            if offset >= size:
                self.client.delete_object(Bucket=self.bucket, Key=key)

    def open_partial(self, upload_id: uuid.UUID) -> BinaryIO:
        spool = tempfile.SpooledTemporaryFile(SPOOL_BYTES)
        for _, key, _ in self._partials(upload_id):
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
            for block in iter(lambda: body.read(1 << 20), b""):
                spool.write(block)
        spool.seek(0)
        return spool  # type: ignore[return-value]

    def discard_partial(self, upload_id: uuid.UUID) -> None:
        for _, key, _ in self._partials(upload_id):
            self.client.delete_object(Bucket=self.bucket, Key=key)

    def promote(self, upload_id: uuid.UUID, key: str) -> None:
        if not self.exists(key):
            with self.open_partial(upload_id) as whole:
                self.client.put_object(Bucket=self.bucket, Key=self.prefix + key, Body=whole)
        self.discard_partial(upload_id)

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.prefix + key, Body=data)

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.prefix + key)
            return True
        except ClientError as error:
            if _status(error) == 404:
                return False
            raise

    def open(self, key: str) -> tuple[BinaryIO, int]:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.prefix + key)
        except self.client.exceptions.NoSuchKey:
            raise FileNotFoundError(key) from None
        return _Body(answer["Body"]), int(answer["ContentLength"])

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.prefix + key)


class _Body:
    """A streamed object body read like a file (werkzeug skips to a range by reading)."""

    def __init__(self, body: Any) -> None:
        self.body = body

    def read(self, size: int = -1) -> bytes:
        return self.body.read(None if size < 0 else size)

    def __iter__(self) -> Iterator[bytes]:
        return iter(lambda: self.body.read(1 << 16), b"")

    def close(self) -> None:
        self.body.close()


def _status(error: ClientError) -> int:
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
