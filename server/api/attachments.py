"""Photos: tus 1.0 uploads (core, creation, checksum) and scoped, cacheable, rangeable reads.

The tus endpoints take raw bodies and tus headers, so they are thin by hand: each reads its
headers, calls one service, commits, and answers with tus headers (logic in services).
"""
from __future__ import annotations

import uuid
from collections.abc import Iterator

from flask import Response, current_app, jsonify, request
from marshmallow import Schema, fields, validate
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wsgi import wrap_file

from server.api.blueprint import Blueprint
from server.auth.current import current_user, login_required
from server.errors import DomainError, NotFound
from server.extensions import db
from server.models import Role
from server.services.attachments import uploads
from server.services.attachments.reads import readable_photo
from server.services.attachments.store import store_of

HTTP_STATUS_CODES.setdefault(460, "Checksum Mismatch")
TUS_VERSION = "1.0.0"
UPLOADERS = (Role.collector, Role.supervisor, Role.admin)
IMMUTABLE = "private, max-age=31536000, immutable"
TUS_HEADERS = {"name": "Tus-Resumable", "in": "header", "required": True,
               "schema": {"type": "string", "enum": [TUS_VERSION]}}

blp = Blueprint("attachments", __name__, url_prefix="/api/v1/attachments",
                description="Photos: tus uploads and reads")


class TusPreconditionFailed(DomainError):
    status, type, title = 412, "tus-version", "Unsupported tus version"


class UnsupportedMedia(DomainError):
    status, type, title = 415, "unsupported-media-type", "Unsupported media type"


class UploadSchema(Schema):
    """An upload: how many of its bytes have arrived (the same as the tus headers)."""

    id = fields.UUID(required=True)
    location = fields.String(required=True)
    offset = fields.Integer(required=True, metadata={"description": "= Upload-Offset"})
    length = fields.Integer(required=True, metadata={"description": "= Upload-Length"})
    sha256 = fields.String(required=True)


class PhotoQuery(Schema):
    """Which variant of the photo."""

    variant = fields.String(validate=validate.OneOf(["thumb"]),
                            metadata={"description": "thumb: a JPEG of at most 320 px"})


@blp.after_request
def tus_resumable(response: Response) -> Response:
    """Every answer of the tus endpoints says which tus it speaks."""
    if request.endpoint and "photo" not in request.endpoint:
        response.headers["Tus-Resumable"] = TUS_VERSION
    return response


def _tus_request() -> None:
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        raise TusPreconditionFailed(f"This server speaks tus {TUS_VERSION} "
                                    "(send Tus-Resumable: 1.0.0).", tus_version=TUS_VERSION)


@blp.route("/", methods=["OPTIONS"])
@blp.response(204)
def capabilities() -> Response:
    """tus discovery: version, extensions (creation, checksum), Tus-Max-Size, checksums."""
    response = Response(status=204)
    response.headers.update({
        "Tus-Version": TUS_VERSION, "Tus-Extension": "creation,creation-with-upload,checksum",
        "Tus-Max-Size": str(current_app.config["ATTACHMENTS_MAX_BYTES"]),
        "Tus-Checksum-Algorithm": ",".join(uploads.CHECKSUM_ALGORITHMS)})
    return response


@blp.route("/", methods=["POST"])
@blp.doc(security=[{"bearerAuth": []}], parameters=[
    TUS_HEADERS,
    {"name": "Upload-Length", "in": "header", "required": True, "schema": {"type": "integer"}},
    {"name": "Upload-Metadata", "in": "header", "required": True, "schema": {"type": "string"},
     "description": "sha256 <base64 of the hex digest>,content_type <base64 of image/jpeg…>"}])
@blp.response(201, UploadSchema, description="Created; Location is the upload's URL. With a "
              "body (creation-with-upload), Upload-Offset says how much of it was kept")
@login_required(*UPLOADERS)
def create() -> Response:
    """tus creation: announce a photo (length, sha256, content type), optionally with its first
    bytes (creation-with-upload); 413 over Tus-Max-Size."""
    _tus_request()
    with_bytes = request.mimetype == "application/offset+octet-stream"
    if with_bytes:
        request.max_content_length = current_app.config["ATTACHMENTS_MAX_BYTES"] + 1
    state = uploads.create_upload(db.session, store_of(current_app), current_user(),
                                  request.headers.get("Upload-Length"),
                                  request.headers.get("Upload-Metadata"),
                                  current_app.config["ATTACHMENTS_MAX_BYTES"],
                                  _body() if with_bytes else None,
                                  request.headers.get("Upload-Checksum"))
    db.session.commit()
    response = _state(state, 201)
    response.headers["Location"] = _location(state.id)
    return response


@blp.route("/uploads/<uuid:upload_id>", methods=["GET"])
@blp.doc(security=[{"bearerAuth": []}])
@blp.response(200, UploadSchema, description="HEAD answers the same headers without the body")
@login_required(*UPLOADERS)
def status(upload_id: uuid.UUID) -> Response:
    """tus HEAD (or GET): Upload-Offset and Upload-Length of one of my uploads."""
    state = uploads.upload_state(db.session, store_of(current_app), current_user(), upload_id)
    return _state(state, 200)


@blp.route("/uploads/<uuid:upload_id>", methods=["PATCH"])
@blp.doc(security=[{"bearerAuth": []}], parameters=[
    TUS_HEADERS,
    {"name": "Upload-Offset", "in": "header", "required": True, "schema": {"type": "integer"}},
    {"name": "Upload-Checksum", "in": "header", "schema": {"type": "string"},
     "description": "sha1|sha256|md5 <base64 digest of this body>; 460 when it differs"}],
    requestBody={"content": {"application/offset+octet-stream": {
        "schema": {"type": "string", "format": "binary"}}}})
@blp.response(204, description="Appended; Upload-Offset is the new offset. When complete, the "
                               "photo was verified against its sha256 (460 if not) and decoded "
                               "(422 if no image)")
@login_required(*UPLOADERS)
def append(upload_id: uuid.UUID) -> Response:
    """tus PATCH: append bytes at Upload-Offset (409 when it is not the server's offset)."""
    _tus_request()
    if request.mimetype != "application/offset+octet-stream":
        raise UnsupportedMedia("Send the bytes as application/offset+octet-stream.")
    request.max_content_length = current_app.config["ATTACHMENTS_MAX_BYTES"] + 1
    state = uploads.append_chunk(db.session, store_of(current_app), current_user(), upload_id,
                                 request.headers.get("Upload-Offset"), _body(),
                                 request.headers.get("Upload-Checksum"))
    db.session.commit()
    response = Response(status=204)
    response.headers["Upload-Offset"] = str(state.offset)
    return response


@blp.route("/<string:sha256>", methods=["GET"])
@blp.doc(security=[{"bearerAuth": []}])
@blp.arguments(PhotoQuery, location="query")
@blp.response(200, {"type": "string", "format": "binary"}, content_type="image/jpeg",
              description="The photo (or thumbnail); Range requests answer 206")
@login_required()
def photo(query: dict[str, str], sha256: str) -> Response:
    """A photo, if a record in my scope references it; 404 attachment-pending until it arrives."""
    found = readable_photo(db.session, current_user(), sha256, query.get("variant"))
    try:
        source, size = store_of(current_app).open(found.key)
    except FileNotFoundError:  # recorded but gone from the store (restored backup, manual delete)
        raise NotFound(f"The bytes of photo {sha256} are missing from the store.") from None
    response = Response(wrap_file(request.environ, source), mimetype=found.content_type,
                        direct_passthrough=True)
    response.headers.update({"Cache-Control": IMMUTABLE, "X-Content-Type-Options": "nosniff"})
    response.content_length = size
    response.set_etag(found.etag)
    return response.make_conditional(request, accept_ranges=True, complete_length=size)


def _body() -> Iterator[bytes]:
    stream = request.stream
    return iter(lambda: stream.read(64 * 1024), b"")


def _location(upload_id: uuid.UUID) -> str:
    return f"{request.host_url.rstrip('/')}/api/v1/attachments/uploads/{upload_id}"


def _state(state: uploads.UploadState, status_code: int) -> Response:
    response = jsonify(id=str(state.id), location=_location(state.id), offset=state.offset,
                       length=state.length, sha256=state.sha256)
    response.status_code = status_code
    response.headers.update({"Upload-Offset": str(state.offset),
                             "Upload-Length": str(state.length), "Cache-Control": "no-store"})
    return response
