"""Photos as bytes: what a tus upload announces, whether the bytes are an image, thumbnails.

Pure functions over bytes and headers (Pillow decodes); no database, no storage.
"""
from __future__ import annotations

import base64
import binascii
import io
import re
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, ImageOps

from server.domain.form_definition import PHOTO_CONTENT_TYPES

SHA256_HEX = re.compile(r"[0-9a-f]{64}")
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MAX_PIXELS = 40_000_000  # a 1600-px photo has 2.6 M; anything far larger is refused undecoded
assert set(FORMATS.values()) == set(PHOTO_CONTENT_TYPES)


class BadUpload(ValueError):
    """An upload's headers or bytes that cannot be accepted; ``field`` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Announced:
    """What a tus creation request announces about the photo to come."""

    sha256: str
    content_type: str


def parse_upload_metadata(header: str | None) -> Announced:
    """``Upload-Metadata: sha256 <base64 of hex>,content_type <base64>`` (tus 1.0 creation)."""
    pairs: dict[str, str] = {}
    for part in (header or "").split(","):
        key, _, value = part.strip().partition(" ")
        if not key:
            continue
        try:
            pairs[key] = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise BadUpload("Upload-Metadata", f"the value of {key!r} is not base64") from None
    sha = pairs.get("sha256", "").lower()
    if not SHA256_HEX.fullmatch(sha):
        raise BadUpload("Upload-Metadata", "sha256 must be the base64 of the 64-digit hex digest")
    content_type = pairs.get("content_type", "")
    if content_type not in PHOTO_CONTENT_TYPES:
        raise BadUpload("Upload-Metadata",
                        "content_type must be one of " + ", ".join(PHOTO_CONTENT_TYPES))
    return Announced(sha, content_type)


@dataclass(frozen=True)
class ImageInfo:
    """A verified image: its real type and size in pixels."""

    content_type: str
    width: int
    height: int


def inspect_image(source: BinaryIO) -> ImageInfo:
    """Decode the whole image: a non-image, a truncated file or a pixel bomb is refused."""
    try:
        with Image.open(source) as image:
            kind = FORMATS.get(image.format or "")
            if kind is None:
                raise BadUpload("body", f"{image.format} images are not accepted "
                                        "(JPEG, PNG or WebP only)")
            if image.width * image.height > MAX_PIXELS:
                raise BadUpload("body", f"the image has {image.width}×{image.height} pixels, "
                                        "more than this server decodes")
            width, height = image.size
            if kind == "image/jpeg":
                # Decode at 1/8 scale: the decoder still reads every byte of the stream (so a
                # truncated file fails), at a fraction of the cost of full-size pixels.
                image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
            image.load()  # a truncated or corrupt file fails here
            return ImageInfo(kind, width, height)
    except BadUpload:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise BadUpload("body", f"the bytes are not a complete image: {error}") from None


def thumbnail_jpeg(source: BinaryIO, edge: int) -> bytes:
    """A JPEG whose long edge is at most ``edge`` pixels, turned upright, without metadata."""
    with Image.open(source) as image:
        upright = ImageOps.exif_transpose(image)
        upright.thumbnail((edge, edge), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        upright.convert("RGB").save(out, "JPEG", quality=80, optimize=True)
        return out.getvalue()
