"""Benchmark: photo uploads over HTTP (tus) against writing the same bytes to the same disk.

    .venv/bin/python bench/attachments.py [--photos 200] [--workers 4] [--resumes 40]

It starts everything itself and tears it all down at the end (also on an error, Ctrl-C or
SIGTERM): a throwaway PostGIS cluster, `flask db upgrade`, `flask demo seed`, `gunicorn -w 4`
on a free loopback port with the filesystem photo store in a temporary directory of this
checkout's disk. Only loopback traffic; every count is bounded.

It measures, with --photos distinct real JPEGs of about 300 KB (noise, so they do not compress):
  http x1   one client uploads every photo in one tus POST with the bytes (creation-with-upload,
            as the phone's tus-js-client does for a photo that fits in one chunk); each answer
            must be 201 with the full offset, i.e. the photo was hashed, decoded and stored.
  http x4   the same with fresh photos from 4 client threads (4 collectors) at once.
  direct    the same bytes written to the same disk straight from Python, as the store does:
            write, fsync, rename into place, fsync the directory (x1 and x4 threads).
            The ratio http/direct is the figure (target ≥ 0.5).
  resume    --resumes photos whose PATCH connection is cut at 50 % (the server keeps what
            arrived), then HEAD and a PATCH of the rest, against the same photos sent whole:
            the extra time per photo, and the bytes sent twice (should be none).
A summary table with targets closes the output (exit status 1 when one is missed).
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import io
import os
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import ROOT, Client, fail, local_stack, say, sign_in, stop_on_sigterm  # noqa: E402

TUS = {"Tus-Resumable": "1.0.0"}
MB = 1_000_000


def photos(count: int, seed: int) -> list[bytes]:
    """Distinct JPEGs of about 300 KB."""
    from PIL import Image
    rng = random.Random(seed)
    made = []
    for _ in range(count):
        image = Image.frombytes("RGB", (720, 540), rng.randbytes(720 * 540 * 3))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=82)
        made.append(out.getvalue())
    return made


def metadata(data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    return (f"sha256 {base64.b64encode(digest.encode()).decode()},"
            f"content_type {base64.b64encode(b'image/jpeg').decode()}")


def create(client: Client, auth: dict[str, str], data: bytes, with_body: bool = False) -> str:
    """tus POST; with_body: the whole photo in it (creation-with-upload), as tus-js-client does."""
    headers = {**TUS, **auth, "Upload-Length": str(len(data)), "Upload-Metadata": metadata(data)}
    if with_body:
        headers["Content-Type"] = "application/offset+octet-stream"
    reply = client.request("POST", "/api/v1/attachments/", headers, data if with_body else None)
    expected = str(len(data)) if with_body else "0"
    if reply.status != 201 or reply.headers["Upload-Offset"] != expected:
        fail(f"POST → {reply.status} {reply.headers.get('Upload-Offset')}: {reply.body[:300]!r}")
    return urlsplit(reply.headers["Location"]).path


def patch(client: Client, auth: dict[str, str], path: str, offset: int, data: bytes) -> None:
    reply = client.request("PATCH", path, {
        **TUS, **auth, "Upload-Offset": str(offset),
        "Content-Type": "application/offset+octet-stream"}, data[offset:])
    if reply.status != 204 or reply.headers["Upload-Offset"] != str(len(data)):
        fail(f"PATCH → {reply.status} {reply.headers.get('Upload-Offset')}: {reply.body[:300]!r}")


def upload_all(base: str, auths: list[dict[str, str]], batches: list[list[bytes]]) -> float:
    """Seconds to upload each batch of photos from its own client thread, all at once."""
    errors: list[BaseException] = []

    def send(auth: dict[str, str], batch: list[bytes]) -> None:
        client = Client(base)
        try:
            for data in batch:
                create(client, auth, data, with_body=True)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            client.close()

    return _threads([lambda a=a, b=b: send(a, b) for a, b in zip(auths, batches)], errors)


def app_cpu_seconds(base: str) -> float:
    """CPU seconds used so far by the gunicorn processes serving ``base`` (from /proc)."""
    bind = urlsplit(base).netloc.encode()
    total = 0
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and bind in (entry / "cmdline").read_bytes():
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
        except OSError:
            continue
    return total / os.sysconf("SC_CLK_TCK")


def write_all(directory: Path, batches: list[list[bytes]]) -> float:
    """Seconds to write each batch to disk from its own thread as the store does."""
    errors: list[BaseException] = []

    def write(batch: list[bytes]) -> None:
        for data in batch:
            digest = hashlib.sha256(data).hexdigest()  # the server hashes every photo too
            temporary = directory / f"partial-{uuid.uuid4()}"
            with open(temporary, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, directory / digest)
            descriptor = os.open(directory, os.O_RDONLY)
            os.fsync(descriptor)
            os.close(descriptor)

    return _threads([lambda b=b: write(b) for b in batches], errors)


def _threads(work: list[Callable[[], None]], errors: list[BaseException]) -> float:
    threads = [threading.Thread(target=w) for w in work]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    if errors:
        fail(f"{len(errors)} uploads failed, first: {errors[0]!r}")
    return seconds


def cut_at_half(base: str, auth: dict[str, str], path: str, data: bytes) -> None:
    """A PATCH announcing the whole photo whose connection dies after half of it."""
    parts = urlsplit(base)
    half = len(data) // 2
    head = (f"PATCH {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Authorization: {auth['Authorization']}\r\nTus-Resumable: 1.0.0\r\n"
            f"Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\n"
            f"Content-Length: {len(data)}\r\n\r\n").encode()
    with socket.create_connection((parts.hostname, parts.port)) as connection:
        connection.sendall(head + data[:half])
        connection.shutdown(socket.SHUT_WR)
        connection.recv(1)  # the server has read up to the cut and answered (or closed)


def resume_overhead(base: str, auth: dict[str, str], cut: list[bytes],
                    whole: list[bytes]) -> tuple[float, float, int]:
    """(ms per photo sent whole, ms per photo cut at 50 % and resumed, bytes sent twice)."""
    client = Client(base)
    start = time.perf_counter()
    for data in whole:
        patch(client, auth, create(client, auth, data), 0, data)
    plain = (time.perf_counter() - start) / len(whole)
    resent = 0
    start = time.perf_counter()
    for data in cut:
        path = create(client, auth, data)
        cut_at_half(base, auth, path, data)
        offset = int(client.request("HEAD", path, {**TUS, **auth}).headers["Upload-Offset"])
        resent += len(data) // 2 - offset
        patch(client, auth, path, offset, data)
    resumed = (time.perf_counter() - start) / len(cut)
    client.close()
    return plain * 1000, resumed * 1000, resent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--resumes", type=int, default=40)
    args = parser.parse_args()
    stop_on_sigterm()
    (ROOT / "var").mkdir(exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="bench-photos-", dir=ROOT / "var"))
    os.environ["ZHIWANG_ATTACHMENTS_DIR"] = str(scratch / "store")
    direct_dir = scratch / "direct"
    direct_dir.mkdir()
    try:
        say(f"making {4 * args.photos + 2 * args.resumes} photos …")
        sets = [photos(args.photos, seed) for seed in (1, 2, 3, 4)]
        resume_sets = [photos(args.resumes, seed) for seed in (5, 6)]
        size = sum(map(len, sets[0]))
        say(f"{args.photos} photos, {size / args.photos / 1000:.0f} KB on average")
        with local_stack(args.workers) as stack:
            client = Client(stack.base_url)
            auths = [sign_in(client, f"collector{i}") for i in (1, 2, 3, 4)]
            client.close()
            quarter = lambda batch: [batch[i::4] for i in range(4)]  # noqa: E731
            cpu = app_cpu_seconds(stack.base_url)
            http_x1 = upload_all(stack.base_url, auths[:1], [sets[0]])
            cpu_ms = (app_cpu_seconds(stack.base_url) - cpu) / args.photos * 1000
            figures = {
                "http x1": size / http_x1 / MB,
                "direct x1": size / write_all(direct_dir, [sets[1]]) / MB,
                "http x4": size / upload_all(stack.base_url, auths, quarter(sets[2])) / MB,
                "direct x4": size / write_all(direct_dir, quarter(sets[3])) / MB,
            }
            plain, resumed, resent = resume_overhead(stack.base_url, auths[0], resume_sets[0],
                                                     resume_sets[1])
    finally:
        import shutil
        shutil.rmtree(scratch, ignore_errors=True)
    return report(args, figures, plain, resumed, resent, cpu_ms)


def report(args: argparse.Namespace, figures: dict[str, float], plain: float, resumed: float,
           resent: int, cpu_ms: float) -> int:
    print(f"\nphotos: {args.photos} per run, ~300 KB each; gunicorn -w {args.workers}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for name, value in figures.items():
        print(f"  {name:10} {value:8.1f} MB/s")
    print(f"  app CPU (gunicorn) per photo, 1 client: {cpu_ms:.1f} ms")
    ratios = {n: figures[f"http x{n}"] / figures[f"direct x{n}"] for n in (1, 4)}
    print(f"resume after a cut at 50 %: {plain:.1f} ms per photo sent whole, {resumed:.1f} ms "
          f"cut and resumed (+{resumed - plain:.1f} ms, {resumed / plain - 1:+.0%}); "
          f"bytes sent twice: {resent}")
    rows = [("http/direct, 1 client", ratios[1], 0.5), ("http/direct, 4 clients", ratios[4], 0.5)]
    print("\n| figure | value | target |\n|---|---|---|")
    missed = 0
    for name, value, target in rows:
        ok = value >= target
        missed += not ok
        print(f"| {name} | {value:.2f} | ≥ {target} {'✓' if ok else '✗'} |")
    print(f"| bytes sent twice on resume | {resent} | 0 {'✓' if resent == 0 else '✗'} |")
    missed += resent != 0
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
