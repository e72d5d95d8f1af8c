"""Helpers for the photo tests: real JPEGs, tus requests through the test client, fixture items."""
from __future__ import annotations

import base64
import hashlib
import io
import random
from typing import Any

from PIL import Image

from tests.factories import bearer, sync_item

TUS = {"Tus-Resumable": "1.0.0"}


def jpeg(seed: int = 1, width: int = 640, height: int = 480, quality: int = 85) -> bytes:
    """A real JPEG of noise (640×480 at quality 85 is about 300 KB, like a phone's photo)."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def metadata(digest: str, content_type: str = "image/jpeg") -> str:
    """Upload-Metadata as tus clients write it."""
    encode = lambda text: base64.b64encode(text.encode()).decode()  # noqa: E731
    return f"sha256 {encode(digest)},content_type {encode(content_type)}"


def photo_value(data: bytes) -> dict[str, Any]:
    """A photo field's value for these bytes."""
    return {"sha256": sha(data), "content_type": "image/jpeg", "size": len(data)}


def create(client: Any, token: str, data: bytes, digest: str | None = None,
           length: int | None = None) -> Any:
    """tus POST for these bytes."""
    return client.post("/api/v1/attachments/", headers={
        **TUS, **bearer(token), "Upload-Length": str(len(data) if length is None else length),
        "Upload-Metadata": metadata(digest or sha(data))})


def patch(client: Any, token: str, location: str, offset: int, chunk: bytes,
          **headers: str) -> Any:
    """tus PATCH of one chunk."""
    return client.patch(location, data=chunk, headers={
        **TUS, **bearer(token), "Upload-Offset": str(offset),
        "Content-Type": "application/offset+octet-stream", **headers})


def upload(client: Any, token: str, data: bytes) -> str:
    """Upload a photo whole; returns its sha256."""
    created = create(client, token, data)
    assert created.status_code == 201, created.get_json()
    if int(created.headers["Upload-Offset"]) < len(data):
        done = patch(client, token, created.headers["Location"], 0, data)
        assert done.status_code == 204, done.get_json()
    return sha(data)


def fixture_data(serial: int, photos: list[bytes], **overrides: Any) -> dict[str, Any]:
    """A damaged fixture (form fixture v2) with these photos."""
    data = {"component_code": "0114", "fixture_id": f"4403100114{serial:06d}",
            "location_description": "坪山大道与深汕路交叉口东北角", "state": "damaged",
            "problem_description": "消防栓漏水", "owner_department": "坪山区水务局",
            "last_inspected": "2025-01-10", "photos": [photo_value(p) for p in photos]}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def fixture_item(serial: int, photos: list[bytes], **overrides: Any) -> dict[str, Any]:
    """A sync item creating that fixture inside grid T-11."""
    return sync_item(fixture_data(serial, photos), form="fixture", form_version=2, **overrides)
