"""Photos over tus: resumable, verified, stored once, read only within scope."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text, update

from server.models import Attachment, AttachmentUpload, Job, Role
from server.services.attachments.maintenance import collect_garbage, delete_bytes
from server.services.attachments.store import FsStore, StorageFull, blob_key
from server.services.jobs.worker import run_next
from tests.factories import bearer, sync_batch
from tests.photos import (TUS, create, fixture_item, jpeg, metadata, patch, photo_value, sha,
                          upload)


@pytest.fixture
def store(app, tmp_path):
    """A fresh filesystem store for this test."""
    previous = app.extensions.get("zhiwang_store")
    app.extensions["zhiwang_store"] = fresh = FsStore(tmp_path / "photos")
    yield fresh
    app.extensions["zhiwang_store"] = previous


def blob_files(store: FsStore) -> list[str]:
    return sorted(p.name for p in (store.root / "blobs").rglob("*") if p.is_file())


class TestTusProtocol:
    def test_options_advertises_version_extensions_limit_and_checksums(self, client):
        response = client.options("/api/v1/attachments/")
        assert response.status_code == 204
        assert response.headers["Tus-Version"] == "1.0.0"
        assert set(response.headers["Tus-Extension"].split(",")) == {
            "creation", "creation-with-upload", "checksum"}
        assert int(response.headers["Tus-Max-Size"]) == 10 * 1024 * 1024
        assert "sha256" in response.headers["Tus-Checksum-Algorithm"].split(",")

    def test_a_photo_uploaded_in_one_patch_is_stored_verified_and_thumbnailed(
            self, district, store, session):
        photo = jpeg(1)
        created = create(district.client, district.token, photo)
        assert created.status_code == 201 and created.headers["Tus-Resumable"] == "1.0.0"
        location = created.headers["Location"]
        assert "/api/v1/attachments/uploads/" in location
        head = district.client.head(location, headers={**TUS, **bearer(district.token)})
        assert head.status_code == 200 and head.headers["Upload-Offset"] == "0"
        assert head.headers["Upload-Length"] == str(len(photo))
        done = patch(district.client, district.token, location, 0, photo)
        assert done.status_code == 204 and done.headers["Upload-Offset"] == str(len(photo))
        stored = session.get(Attachment, sha(photo))
        assert (stored.size, stored.content_type, stored.width, stored.height) == (
            len(photo), "image/jpeg", 640, 480)
        assert blob_files(store) == [sha(photo)]
        job = run_next(session, "test", ["attachment_thumbnail"], commit=False)
        assert job.state.value == "done" and session.get(Attachment, sha(photo)).thumb_size > 0

    def test_a_photo_can_travel_with_its_creation_request(self, district, store, session):
        photo = jpeg(12)
        created = district.client.post("/api/v1/attachments/", data=photo, headers={
            **TUS, **bearer(district.token), "Upload-Length": str(len(photo)),
            "Upload-Metadata": metadata(sha(photo)),
            "Content-Type": "application/offset+octet-stream"})
        assert created.status_code == 201
        assert created.headers["Upload-Offset"] == str(len(photo))
        assert session.get(Attachment, sha(photo)).size == len(photo)
        half = jpeg(13)
        started = district.client.post("/api/v1/attachments/", data=half[:5000], headers={
            **TUS, **bearer(district.token), "Upload-Length": str(len(half)),
            "Upload-Metadata": metadata(sha(half)),
            "Content-Type": "application/offset+octet-stream"})
        assert started.status_code == 201 and started.headers["Upload-Offset"] == "5000"
        assert patch(district.client, district.token, started.headers["Location"], 5000,
                     half[5000:]).status_code == 204

    @pytest.mark.parametrize("cuts", [[1], [4096], [1, 2, 3], [100, 5000, 20000]])
    def test_an_upload_cut_at_any_offset_resumes_from_the_servers_offset(
            self, district, store, session, cuts):
        photo = jpeg(2)
        location = create(district.client, district.token, photo).headers["Location"]
        offset = 0
        for cut in cuts + [len(photo)]:
            # The client lost the connection: it asks where the server stands, then goes on.
            head = district.client.head(location, headers={**TUS, **bearer(district.token)})
            assert int(head.headers["Upload-Offset"]) == offset
            answer = patch(district.client, district.token, location, offset, photo[offset:cut])
            assert answer.status_code == 204
            offset = int(answer.headers["Upload-Offset"])
            assert offset == cut
            assert (session.get(Attachment, sha(photo)) is None) == (cut < len(photo))
        assert blob_files(store) == [sha(photo)]

    def test_a_patch_at_the_wrong_offset_is_a_409_and_changes_nothing(self, district, store):
        photo = jpeg(3)
        location = create(district.client, district.token, photo).headers["Location"]
        patch(district.client, district.token, location, 0, photo[:1000])
        answer = patch(district.client, district.token, location, 500, photo[500:])
        assert answer.status_code == 409 and answer.get_json()["offset"] == 1000
        head = district.client.head(location, headers={**TUS, **bearer(district.token)})
        assert head.headers["Upload-Offset"] == "1000"

    def test_a_chunk_that_does_not_match_its_upload_checksum_is_460_and_not_kept(
            self, district, store):
        import base64
        import hashlib
        photo = jpeg(4)
        location = create(district.client, district.token, photo).headers["Location"]
        wrong = base64.b64encode(hashlib.sha1(b"something else").digest()).decode()
        answer = patch(district.client, district.token, location, 0, photo[:5000],
                       **{"Upload-Checksum": f"sha1 {wrong}"})
        assert answer.status_code == 460
        assert answer.content_type == "application/problem+json"
        head = district.client.head(location, headers={**TUS, **bearer(district.token)})
        assert head.headers["Upload-Offset"] == "0"
        right = base64.b64encode(hashlib.sha1(photo[:5000]).digest()).decode()
        assert patch(district.client, district.token, location, 0, photo[:5000],
                     **{"Upload-Checksum": f"sha1 {right}"}).status_code == 204

    def test_bytes_that_do_not_hash_to_the_announced_sha256_are_refused_whole(
            self, district, store, session):
        photo, other = jpeg(5), jpeg(6)
        created = create(district.client, district.token, photo, digest=sha(other))
        answer = patch(district.client, district.token, created.headers["Location"], 0, photo)
        assert answer.status_code == 460
        assert "sha256" in answer.get_json()["detail"]
        assert session.get(Attachment, sha(other)) is None and blob_files(store) == []
        assert list((store.root / "partial").iterdir()) == []

    @pytest.mark.parametrize("bad", [b"%PDF-1.4 not a photo at all" * 50, jpeg(7)[:-2000]],
                             ids=["not-an-image", "truncated-jpeg"])
    def test_a_non_image_or_a_truncated_image_is_422_and_nothing_is_stored(
            self, district, store, session, bad):
        created = create(district.client, district.token, bad)
        answer = patch(district.client, district.token, created.headers["Location"], 0, bad)
        assert answer.status_code == 422
        assert answer.get_json()["errors"][0]["field"] == "body"
        assert session.scalar(select(func.count()).select_from(Attachment)) == 0
        assert blob_files(store) == []

    def test_the_same_photo_twice_is_stored_once(self, district, store, session):
        photo = jpeg(8)
        first = create(district.client, district.token, photo).headers["Location"]
        second = create(district.client, district.token, photo).headers["Location"]
        # Two phones send the same photo at once; the second is half-way when the first ends.
        assert patch(district.client, district.token, second, 0, photo[:1000]).status_code == 204
        assert patch(district.client, district.token, first, 0, photo).status_code == 204
        head = district.client.head(second, headers={**TUS, **bearer(district.token)})
        assert head.headers["Upload-Offset"] == str(len(photo))  # nothing more to send
        assert patch(district.client, district.token, second, 1000,
                     photo[1000:]).status_code == 409
        again = create(district.client, district.token, photo)
        assert again.status_code == 201 and again.headers["Upload-Offset"] == str(len(photo))
        assert blob_files(store) == [sha(photo)]
        assert session.scalar(select(func.count()).select_from(Attachment)) == 1
        assert session.scalar(select(func.count()).select_from(Job)
                              .where(Job.kind == "attachment_thumbnail")) == 1

    def test_refusals_are_problems_naming_what_is_wrong(self, district, store):
        photo = jpeg(9)
        no_tus = district.client.post("/api/v1/attachments/", headers={
            **bearer(district.token), "Upload-Length": "10", "Upload-Metadata": "x"})
        assert no_tus.status_code == 412
        too_big = create(district.client, district.token, photo, length=11 * 1024 * 1024)
        assert too_big.status_code == 413 and too_big.content_type == "application/problem+json"
        no_sha = district.client.post("/api/v1/attachments/", headers={
            **TUS, **bearer(district.token), "Upload-Length": "10",
            "Upload-Metadata": "content_type aW1hZ2UvanBlZw=="})
        assert no_sha.status_code == 422 and no_sha.get_json()["errors"][0]["field"] == (
            "Upload-Metadata")
        location = create(district.client, district.token, photo).headers["Location"]
        wrong_type = district.client.patch(location, data=photo, headers={
            **TUS, **bearer(district.token), "Upload-Offset": "0",
            "Content-Type": "application/octet-stream"})
        assert wrong_type.status_code == 415
        past_end = patch(district.client, district.token, location, 0, photo + b"more")
        assert past_end.status_code == 413

    def test_only_its_creator_sees_an_upload_and_viewers_cannot_upload(self, district, store):
        photo = jpeg(10)
        location = create(district.client, district.token, photo).headers["Location"]
        other = district.collector_of("T-22", "wang.wu")
        assert district.client.head(location, headers={**TUS, **bearer(other)}).status_code == 404
        viewer = district.user(Role.viewer, "clerk.chen")
        assert create(district.client, viewer, photo).status_code == 403

    def test_a_full_disk_is_a_507_problem(self, district, store, monkeypatch):
        photo = jpeg(11)
        location = create(district.client, district.token, photo).headers["Location"]

        def full(*args, **kwargs):
            raise StorageFull(28, "no space left")

        monkeypatch.setattr(store, "append_partial", full)
        answer = patch(district.client, district.token, location, 0, photo)
        assert answer.status_code == 507 and answer.content_type == "application/problem+json"


class TestReading:
    def test_a_record_lists_its_photos_pending_until_they_arrive(self, district, store):
        photo = jpeg(20)
        result = district.results(sync_batch(fixture_item(1, [photo])))[0]
        assert result["status"] == "merged"
        path = f"/api/v1/records/{result['record_id']}"
        record = district.client.get(path, headers=bearer(district.token)).get_json()
        assert record["photos"] == [{"field": "photos", "sha256": sha(photo), "state": "pending"}]
        pending = district.client.get(f"/api/v1/attachments/{sha(photo)}",
                                      headers=bearer(district.token))
        assert pending.status_code == 404 and pending.get_json()["state"] == "pending"
        upload(district.client, district.token, photo)
        record = district.client.get(path, headers=bearer(district.token)).get_json()
        assert record["photos"][0]["state"] == "arrived"
        got = district.client.get(f"/api/v1/attachments/{sha(photo)}",
                                  headers=bearer(district.token))
        assert got.status_code == 200 and got.data == photo and got.mimetype == "image/jpeg"
        assert got.headers["Cache-Control"] == "private, max-age=31536000, immutable"

    def test_ranges_and_etags_are_answered(self, district, store):
        photo = jpeg(21)
        district.results(sync_batch(fixture_item(2, [photo])))
        upload(district.client, district.token, photo)
        url = f"/api/v1/attachments/{sha(photo)}"
        part = district.client.get(url, headers={**bearer(district.token), "Range": "bytes=10-99"})
        assert part.status_code == 206 and part.data == photo[10:100]
        assert part.headers["Content-Range"] == f"bytes 10-99/{len(photo)}"
        etag = district.client.get(url, headers=bearer(district.token)).headers["ETag"]
        assert district.client.get(url, headers={**bearer(district.token),
                                                 "If-None-Match": etag}).status_code == 304

    def test_the_thumbnail_is_a_small_jpeg_made_by_its_job(self, district, store, session):
        photo = jpeg(22, 1600, 1200)
        district.results(sync_batch(fixture_item(3, [photo])))
        upload(district.client, district.token, photo)
        url = f"/api/v1/attachments/{sha(photo)}?variant=thumb"
        early = district.client.get(url, headers=bearer(district.token))
        assert early.status_code == 404 and early.get_json()["state"] == "thumbnail_pending"
        run_next(session, "test", ["attachment_thumbnail"], commit=False)
        thumb = district.client.get(url, headers=bearer(district.token))
        from io import BytesIO

        from PIL import Image
        assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
        assert Image.open(BytesIO(thumb.data)).size == (320, 240)

    def test_photo_reads_follow_the_record_scope_of_every_role(self, district, store):
        photo = jpeg(23)
        district.results(sync_batch(fixture_item(4, [photo])))
        upload(district.client, district.token, photo)
        url = f"/api/v1/attachments/{sha(photo)}"
        readers = {
            "its collector": district.token,
            "a collector of the same grid": district.collector_of("T-11", "zhao.liu", "roving"),
            "the grid's supervisor": district.user(Role.supervisor, "sup.in", ("T-11",)),
            "an administrator": district.user(Role.admin, "root.admin"),
            "a viewer": district.user(Role.viewer, "clerk.in"),
        }
        outsiders = {
            "a collector of another grid": district.collector_of("T-33", "sun.qi"),
            "another grid's supervisor": district.user(Role.supervisor, "sup.out", ("T-33",)),
        }
        for who, token in readers.items():
            assert district.client.get(url, headers=bearer(token)).status_code == 200, who
        for who, token in outsiders.items():
            answer = district.client.get(url, headers=bearer(token))
            assert answer.status_code == 404 and answer.get_json()["type"].endswith(
                "not-found"), who
        unknown = district.client.get("/api/v1/attachments/" + "0" * 64,
                                      headers=bearer(district.token))
        assert unknown.status_code == 404

    def test_the_photo_of_a_conflict_is_readable_by_its_reviewer(self, district, store):
        photo, twin = jpeg(24), jpeg(25)
        district.results(sync_batch(fixture_item(5, [photo])))
        other = district.collector_of("T-11", "qian.ba", "roving")
        result = district.results(sync_batch(fixture_item(5, [twin])), token=other)[0]
        assert result["status"] == "conflict"
        upload(district.client, other, twin)
        url = f"/api/v1/attachments/{sha(twin)}"
        supervisor = district.user(Role.supervisor, "sup.review", ("T-11",))
        outsider = district.user(Role.supervisor, "sup.far", ("T-33",))
        assert district.client.get(url, headers=bearer(supervisor)).status_code == 200
        assert district.client.get(url, headers=bearer(other)).status_code == 200  # its sender
        assert district.client.get(url, headers=bearer(outsider)).status_code == 404

    def test_history_keeps_the_photos_of_every_version(self, district, store):
        first, second = jpeg(26), jpeg(27)
        created = district.results(sync_batch(fixture_item(6, [first])))[0]
        from tests.photos import fixture_data
        from tests.factories import sync_item
        edit = sync_item(fixture_data(6, [second]), form="fixture", form_version=2,
                         record_id=created["record_id"], base_version=1)
        assert district.results(sync_batch(edit))[0]["version"] == 2
        upload(district.client, district.token, first)
        history = district.client.get(f"/api/v1/records/{created['record_id']}/history",
                                      headers=bearer(district.token)).get_json()
        assert [v["photos"] for v in history["versions"]] == [
            [{"field": "photos", "sha256": sha(first), "state": "arrived"}],
            [{"field": "photos", "sha256": sha(second), "state": "pending"}]]
        # The old version's photo stays readable: the record still references it.
        assert district.client.get(f"/api/v1/attachments/{sha(first)}",
                                   headers=bearer(district.token)).status_code == 200


class TestGarbageCollection:
    def test_only_old_unreferenced_photos_and_abandoned_uploads_are_collected(
            self, district, store, session):
        kept, orphan, fresh = jpeg(30), jpeg(31), jpeg(32)
        district.results(sync_batch(fixture_item(7, [kept])))
        for photo in (kept, orphan, fresh):
            upload(district.client, district.token, photo)
        abandoned = create(district.client, district.token, jpeg(33)).headers["Location"]
        patch(district.client, district.token, abandoned, 0, jpeg(33)[:100])
        long_ago = datetime.now(timezone.utc) - timedelta(days=30)
        session.execute(update(Attachment).where(Attachment.sha256.in_([sha(kept), sha(orphan)]))
                        .values(stored_at=long_ago))
        session.execute(update(AttachmentUpload).values(created_at=long_ago))
        photos, uploads = collect_garbage(session, days=14)
        delete_bytes(store, photos, uploads)
        assert photos == [sha(orphan)]
        assert len(uploads) == 4  # three finished, one abandoned: none needed any more
        assert blob_files(store) == sorted([sha(kept), sha(fresh)])
        assert not store.exists(blob_key(sha(orphan)))
        assert list((store.root / "partial").iterdir()) == []
        remaining = set(session.scalars(select(Attachment.sha256)))
        assert remaining == {sha(kept), sha(fresh)}

    def test_the_collection_job_queues_its_next_run(self, district, store, session):
        from server.services.jobs import enqueue
        enqueue(session, "attachments_gc", {"days": 14, "every_hours": 24})
        job = run_next(session, "test", ["attachments_gc"], commit=False)
        assert job.state.value == "done" and job.result == {"photos_removed": 0,
                                                            "uploads_removed": 0}
        later = session.scalar(select(Job).where(Job.kind == "attachments_gc",
                                                 Job.state == "queued"))
        assert later.run_after > datetime.now(timezone.utc) + timedelta(hours=23)


def test_a_photo_value_is_checked_by_the_form(district):
    bad = fixture_item(8, [])
    bad["data"]["photos"] = [{**photo_value(jpeg(40)), "sha256": "XYZ"}]
    result = district.results(sync_batch(bad))[0]
    assert result["status"] == "rejected"
    assert result["errors"][0]["field"] == "data.photos"
    assert result["errors"][0]["code"] == "photo"


def test_a_merge_keeps_the_photos_of_the_side_the_reviewer_chose(district, store):
    from tests.photos import fixture_data
    current, incoming = jpeg(41), jpeg(42)
    record_id = district.results(sync_batch(fixture_item(9, [current])))[0]["record_id"]
    other = district.collector_of("T-11", "zhou.jiu", "roving")
    conflict_id = district.results(sync_batch(fixture_item(9, [incoming])),
                                   token=other)[0]["conflict_id"]
    boss = district.user(Role.supervisor, "sup.merge", ("T-11",))
    detail = district.client.get(f"/api/v1/conflicts/{conflict_id}", headers=bearer(boss))
    assert detail.get_json()["incoming"]["data"]["photos"] == [photo_value(incoming)]
    assert district.client.post(f"/api/v1/conflicts/{conflict_id}/claim",
                                headers=bearer(boss)).status_code == 200
    merged = fixture_data(9, [incoming], problem_description="井盖松动")  # incoming photos
    answer = district.client.post(f"/api/v1/conflicts/{conflict_id}/resolve", headers=bearer(boss),
                                  json={"action": "merge", "data": merged})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["record"]["photos"] == [
        {"field": "photos", "sha256": sha(incoming), "state": "pending"}]
    history = district.client.get(f"/api/v1/records/{record_id}/history",
                                  headers=bearer(boss)).get_json()["versions"]
    assert [[p["sha256"] for p in v["photos"]] for v in history] == [[sha(current)],
                                                                     [sha(incoming)]]
