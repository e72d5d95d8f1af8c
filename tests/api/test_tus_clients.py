"""A standard tus client (tuspy) against the real server on loopback, on both stores: uploads
cut mid-chunk resume from the server's offset; the S3 store runs against a real S3-protocol
server (moto in server mode) started here."""
from __future__ import annotations

import io
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from tusclient import client as tus
from werkzeug.serving import make_server

from server.extensions import db
from server.services.attachments.s3_store import S3Store
from server.services.attachments.store import FsStore, blob_key
from tests.factories import bearer, sync_batch
from tests.photos import fixture_item, jpeg, sha


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on a loopback port, for this module."""
    from moto.server import ThreadedMotoServer
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def s3_store(endpoint: str) -> S3Store:
    bucket = f"photos-{uuid.uuid4().hex[:12]}"
    store = S3Store(bucket, endpoint_url=endpoint, access_key_id="test",
                    secret_access_key="test", prefix="zhiwang/")
    store.client.create_bucket(Bucket=bucket)
    return store


@pytest.fixture(params=["fs", "s3"])
def any_store(request, tmp_path):
    if request.param == "fs":
        return FsStore(tmp_path / "photos")
    return s3_store(request.getfixturevalue("s3_endpoint"))


def test_both_stores_keep_partials_apart_and_promote_whole(any_store):
    upload_id, photo = uuid.uuid4(), jpeg(50)
    assert any_store.partial_size(upload_id) == 0
    assert any_store.append_partial(upload_id, [photo[:1000], photo[1000:3000]]) == 3000
    assert any_store.append_partial(upload_id, [photo[3000:5000]]) == 5000
    any_store.truncate_partial(upload_id, 3000)
    assert any_store.partial_size(upload_id) == 3000
    any_store.append_partial(upload_id, [photo[3000:]])
    assert not any_store.exists(blob_key(sha(photo)))  # a partial is never a blob
    with any_store.open_partial(upload_id) as partial:
        assert partial.read() == photo
    any_store.promote(upload_id, blob_key(sha(photo)))
    assert any_store.partial_size(upload_id) == 0
    source, size = any_store.open(blob_key(sha(photo)))
    assert size == len(photo) and source.read() == photo
    source.close()
    any_store.put("thumbs/x.jpg", b"thumb")
    assert any_store.exists("thumbs/x.jpg")
    any_store.delete(blob_key(sha(photo)))
    assert not any_store.exists(blob_key(sha(photo)))


class LiveServer:
    """The app under werkzeug's threaded server on a loopback port, with a chosen store."""

    def __init__(self, app: Any, store: Any) -> None:
        self.app, self.previous = app, app.extensions.get("zhiwang_store")
        app.extensions["zhiwang_store"] = store
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.app.extensions["zhiwang_store"] = self.previous


@pytest.fixture
def live(committed_district, committing_app, any_store) -> Iterator[tuple[Any, LiveServer]]:
    server = LiveServer(committing_app, any_store)
    yield committed_district, server
    server.stop()


def tus_client(server: LiveServer, token: str) -> tus.TusClient:
    return tus.TusClient(server.base + "/api/v1/attachments/", headers=bearer(token))


def test_tuspy_uploads_in_chunks_with_checksums_and_the_photo_is_served(live):
    district, server = live
    photo = jpeg(51)
    district.results(sync_batch(fixture_item(20, [photo])))
    with server.app.app_context():
        db.session.commit()
    uploader = tus_client(server, district.token).uploader(
        file_stream=io.BytesIO(photo), chunk_size=64 * 1024, upload_checksum=True,
        metadata={"sha256": sha(photo), "content_type": "image/jpeg"})
    uploader.upload()
    assert uploader.offset == len(photo)
    got = requests.get(f"{server.base}/api/v1/attachments/{sha(photo)}",
                       headers=bearer(district.token), timeout=10)
    assert got.status_code == 200 and got.content == photo
    part = requests.get(f"{server.base}/api/v1/attachments/{sha(photo)}", timeout=10,
                        headers={**bearer(district.token), "Range": "bytes=-100"})
    assert part.status_code == 206 and part.content == photo[-100:]


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.9])
def test_a_connection_cut_mid_chunk_resumes_from_what_the_server_kept(live, cut):
    district, server = live
    photo = jpeg(52)
    client = tus_client(server, district.token)
    uploader = client.uploader(file_stream=io.BytesIO(photo),
                               metadata={"sha256": sha(photo), "content_type": "image/jpeg"})
    location = uploader.create_url()
    sent = int(len(photo) * cut)
    _patch_then_hang_up(location, district.token, photo, sent)
    deadline = time.monotonic() + 10
    while (offset := _offset(location, district.token)) < sent and time.monotonic() < deadline:
        time.sleep(0.05)  # the server is still writing what it read
    assert offset == sent
    # Until the cut request has ended the upload is busy (423), which tus clients retry.
    resumed = client.uploader(file_stream=io.BytesIO(photo), url=location, retries=10,
                              retry_delay=1)
    assert resumed.offset == sent  # asked the server where to go on from
    resumed.upload()
    assert _offset(location, district.token) == len(photo)


def _offset(location: str, token: str) -> int:
    head = requests.head(location, headers={"Tus-Resumable": "1.0.0", **bearer(token)},
                         timeout=10)
    return int(head.headers["Upload-Offset"])


def _patch_then_hang_up(location: str, token: str, photo: bytes, sent: int) -> None:
    """A PATCH announcing the whole photo whose connection dies after ``sent`` bytes."""
    parts = urlsplit(location)
    head = (f"PATCH {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Authorization: Bearer {token}\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\n"
            f"Content-Type: application/offset+octet-stream\r\n"
            f"Content-Length: {len(photo)}\r\n\r\n").encode()
    with socket.create_connection((parts.hostname, parts.port)) as connection:
        connection.sendall(head + photo[:sent])
        time.sleep(0.2)
        connection.shutdown(socket.SHUT_RDWR)
