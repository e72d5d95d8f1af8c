"""ETag, 304 and gzip for the JSON documents phones download again and again."""
from __future__ import annotations

import gzip
import threading
from collections import OrderedDict
from collections.abc import Callable

from flask import Response, request

_gzipped: OrderedDict[str, bytes] = OrderedDict()
_MAX_CACHED = 512
_lock = threading.Lock()


def cached_json(etag: str, build: Callable[[], bytes], *, mimetype: str = "application/json",
                max_age: int = 0, immutable: bool = False) -> Response:
    """Answer 304 when the client holds ``etag``; else the body, gzipped when accepted."""
    cache_control = f"private, max-age={max_age}" + (", immutable" if immutable else "")
    gzipped = "gzip" in request.accept_encodings
    # The compressed variant has its own tag (RFC 9110 §8.8.3); either one validates.
    tag = f"{etag}-gz" if gzipped else etag
    if request.if_none_match.contains(etag) or request.if_none_match.contains(f"{etag}-gz"):
        response = Response(status=304)
    elif gzipped:
        response = Response(_gzip_of(etag, build), mimetype=mimetype)
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = Response(build(), mimetype=mimetype)
    response.set_etag(tag)
    response.headers["Cache-Control"] = cache_control
    response.headers["Vary"] = "Accept-Encoding, Authorization"
    return response


def _gzip_of(etag: str, build: Callable[[], bytes]) -> bytes:
    """The compressed body, compressed once per ETag in this process."""
    with _lock:
        cached = _gzipped.get(etag)
    if cached is None:
        cached = gzip.compress(build(), compresslevel=6, mtime=0)
        with _lock:
            _gzipped[etag] = cached
            while len(_gzipped) > _MAX_CACHED:
                _gzipped.popitem(last=False)
    return cached
