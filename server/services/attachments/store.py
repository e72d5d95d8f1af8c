"""Where photo bytes live, behind one small interface: the filesystem (default) or S3.

Keys are content-addressed (``blobs/ab/cd/<sha256>``, ``thumbs/ab/cd/<sha256>.jpg``). An upload
in progress is a *partial* of its upload id, never under a key readers use; it becomes a blob
in one atomic step (a rename on disk, a single PUT on S3) once its hash has been verified.
"""
from __future__ import annotations

import errno
import os
import tempfile
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from flask import Flask


class StorageFull(OSError):
    """The store has no room left."""


class BlobStore(Protocol):
    """What the upload and read services need of a store."""

    def partial_size(self, upload_id: uuid.UUID) -> int: ...
    def append_partial(self, upload_id: uuid.UUID, chunks: Iterable[bytes]) -> int: ...
    def truncate_partial(self, upload_id: uuid.UUID, size: int) -> None: ...
    def open_partial(self, upload_id: uuid.UUID) -> BinaryIO: ...
    def discard_partial(self, upload_id: uuid.UUID) -> None: ...
    def promote(self, upload_id: uuid.UUID, key: str) -> None: ...
    def put(self, key: str, data: bytes) -> None: ...
    def exists(self, key: str) -> bool: ...
    def open(self, key: str) -> tuple[BinaryIO, int]: ...  # FileNotFoundError when absent
    def delete(self, key: str) -> None: ...


def blob_key(sha256: str) -> str:
    """Where a photo's bytes are kept."""
    return f"blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def thumb_key(sha256: str) -> str:
    """Where a photo's thumbnail is kept."""
    return f"thumbs/{sha256[:2]}/{sha256[2:4]}/{sha256}.jpg"


class FsStore:
    """Files under one directory: appends fsynced, blobs renamed into place atomically."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        for part in ("blobs", "thumbs", "partial", "tmp"):
            (self.root / part).mkdir(parents=True, exist_ok=True)

    def _partial(self, upload_id: uuid.UUID) -> Path:
        return self.root / "partial" / str(upload_id)

    def partial_size(self, upload_id: uuid.UUID) -> int:
        try:
            return self._partial(upload_id).stat().st_size
        except FileNotFoundError:
            return 0

    def append_partial(self, upload_id: uuid.UUID, chunks: Iterable[bytes]) -> int:
        with _room(), open(self._partial(upload_id), "ab") as handle:
            try:
                for chunk in chunks:
                    handle.write(chunk)
            finally:  # what arrived before a cut is kept: the client resumes after it
                handle.flush()
                os.fsync(handle.fileno())
            return handle.tell()

    def truncate_partial(self, upload_id: uuid.UUID, size: int) -> None:
        with open(self._partial(upload_id), "r+b") as handle:
            handle.truncate(size)
            os.fsync(handle.fileno())

    def open_partial(self, upload_id: uuid.UUID) -> BinaryIO:
        return open(self._partial(upload_id), "rb")

    def discard_partial(self, upload_id: uuid.UUID) -> None:
        self._partial(upload_id).unlink(missing_ok=True)

    def promote(self, upload_id: uuid.UUID, key: str) -> None:
        target = self.root / key
        if target.exists():  # the same photo arrived before: keep one copy
            self.discard_partial(upload_id)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        with _room():
            os.replace(self._partial(upload_id), target)  # data was fsynced by append_partial
            _fsync_dir(target.parent)

    def put(self, key: str, data: bytes) -> None:
        target = self.root / key
        target.parent.mkdir(parents=True, exist_ok=True)
        with _room(), tempfile.NamedTemporaryFile(dir=self.root / "tmp", delete=False) as handle:
            try:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
                os.replace(handle.name, target)
            except BaseException:
                Path(handle.name).unlink(missing_ok=True)
                raise
        _fsync_dir(target.parent)

    def exists(self, key: str) -> bool:
        return (self.root / key).is_file()

    def open(self, key: str) -> tuple[BinaryIO, int]:
        handle = open(self.root / key, "rb")
        return handle, os.fstat(handle.fileno()).st_size

    def delete(self, key: str) -> None:
        (self.root / key).unlink(missing_ok=True)


class _room:
    """Turn 'no space left on device' into StorageFull."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, error: Any, trace: Any) -> bool:
        if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
            raise StorageFull(error.errno, "the photo store is full") from error
        return False


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def store_of(app: Flask) -> BlobStore:
    """The app's store, made once from its configuration."""
    store = app.extensions.get("zhiwang_store")
    if store is None:
        store = make_store(app.config, Path(app.root_path).parent / "var" / "attachments")
        app.extensions["zhiwang_store"] = store
    return store


def make_store(config: Any, default_dir: Path) -> BlobStore:
    """A store from ``ATTACHMENTS_STORE`` ("fs" or "s3") and its settings."""
    kind = config.get("ATTACHMENTS_STORE", "fs")
    if kind == "fs":
        return FsStore(config.get("ATTACHMENTS_DIR") or default_dir)
    if kind == "s3":
        from server.services.attachments.s3_store import S3Store
        return S3Store(**(config.get("ATTACHMENTS_S3") or {}))
    raise RuntimeError(f"ZHIWANG_ATTACHMENTS_STORE must be fs or s3, not {kind!r}")
