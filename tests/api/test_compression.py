"""JSON answers are gzipped by the app whenever the client accepts it (no proxy needed)."""
from __future__ import annotations

import gzip
import json

from flask import Response

from server.compression import MIN_SIZE, compress_json
from tests.factories import bearer, resident_data, sync_batch, sync_item

GZIP = {"Accept-Encoding": "gzip, deflate, br"}


def feed(district, **headers):
    return district.client.get("/api/v1/records/changes?limit=50",
                               headers={**bearer(district.token), **headers})


def test_a_change_feed_page_is_gzipped_when_the_client_accepts_it(committed_district):
    committed_district.results(sync_batch(*[sync_item(resident_data(i)) for i in range(8)]))
    plain = feed(committed_district)
    packed = feed(committed_district, **GZIP)
    assert "Content-Encoding" not in plain.headers and len(plain.data) > MIN_SIZE
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"] and "Accept-Encoding" in plain.headers["Vary"]
    assert len(packed.data) < len(plain.data) / 3
    assert json.loads(gzip.decompress(packed.data)) == plain.get_json()


def test_a_small_answer_is_sent_as_it_is(district):
    response = district.client.get("/api/v1/me", headers={**bearer(district.token), **GZIP})
    assert response.status_code == 200 and "Content-Encoding" not in response.headers
    assert len(response.data) < MIN_SIZE


def test_a_client_refusing_gzip_gets_plain_json(district):
    response = district.client.get("/api/v1/openapi.json",
                                   headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in response.headers and response.get_json()["openapi"]


def test_problem_documents_are_compressed_too(district):
    bad = {"batch_id": "x", "device_id": "p", "items": [{"id": f"no-{i}"} for i in range(100)]}
    response = district.client.post("/api/v1/sync/batches", json=bad,
                                     headers={**bearer(district.token), **GZIP})
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert response.headers["Content-Encoding"] == "gzip"
    assert len(json.loads(gzip.decompress(response.data))["errors"]) >= 100


def test_the_cached_grids_keep_their_own_gzip_and_etag(district):
    headers = {**bearer(district.token), **GZIP}
    first = district.client.get("/api/v1/grids", headers=headers)
    assert first.headers["Content-Encoding"] == "gzip" and first.headers["ETag"].endswith('-gz"')
    assert not first.headers["ETag"].endswith('-gz-gz"')
    json.loads(gzip.decompress(first.data))  # compressed once, not twice
    again = district.client.get("/api/v1/grids",
                                headers={**headers, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.data


def test_an_etag_names_the_compressed_variant(app):
    with app.test_request_context(headers=GZIP):
        response = Response(json.dumps({"n": "x" * 5000}), mimetype="application/json")
        response.set_etag("abc")
        compress_json(response)
        assert response.get_etag() == ("abc-gz", False)


def test_a_streamed_answer_is_compressed_as_it_flows(app):
    produced = []

    def chunks():
        for i in range(3):
            produced.append(i)
            yield json.dumps({"part": i}) + "\n"

    with app.test_request_context(headers=GZIP):
        response = compress_json(Response(chunks(), mimetype="application/json"))
        assert response.headers["Content-Encoding"] == "gzip" and produced == []
        stream = iter(response.response)
        first = next(stream)
        assert produced == [0]  # nothing is buffered: one chunk in, one compressed chunk out
        body = first + b"".join(stream)
    assert gzip.decompress(body).decode().splitlines() == [json.dumps({"part": i}) for i in range(3)]
