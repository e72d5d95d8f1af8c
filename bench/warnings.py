"""Benchmark and honest evaluation of the labour-dispute warnings and the economic run.

    .venv/bin/python bench/warnings.py [--enterprises 20000] [--months 36] [--seed 7]
                                       [--requests 100]

It starts a throwaway PostGIS cluster, `flask db upgrade`, `flask demo seed` (which publishes
standards/warning.v1.json) and gunicorn (bench/harness.py); draws a synthetic district
(server/services/warnings/synthetic.py: enterprises × 8 indicators × months, planted decliners and
confounders); loads the enterprises through the record store and the values with COPY; then:

  runs        every month from the seventh on, in order, as `flask warnings run` does it
              (warnings, dispatch of orange/red as events, the economic run), one transaction
              each: the time of each; then the last month again (a re-run: idempotent).
  dashboards  --requests GETs of each dashboard query over HTTP as admin (one client), p50/p95,
              against GET /api/v1/me measured in the same run (the baseline: auth + one row).
  evaluation  precision, recall and median lead time at each level (a warning at that level or
              above, any month up to 6 months before the planted dispute), against a single-
              indicator baseline (wages unpaid > 0). The planted truth stays in this process.
Targets: the monthly run < 10 s, the dashboards' p95 < 100 ms. Two shared cores: read as such.
"""
from __future__ import annotations

import os.path
import sys

# This file's name shadows the standard library's warnings module for anything imported from
# bench/: load the real one first, before bench/ goes back on the path.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]
import warnings  # noqa: E402,F401
from pathlib import Path  # noqa: E402

import argparse
import os
import statistics
import time
from datetime import date

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from figures import Spread, Target, machine_load, print_summary, print_table, ratio  # noqa: E402
from harness import Client, bounded, local_stack, say, sign_in, stop_on_sigterm  # noqa: E402
from server.services.warnings.synthetic import District, copy_values, generate, load_enterprises  # noqa: E402

LEVELS = ("blue", "yellow", "orange", "red")
LEAD_WINDOW = 6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enterprises", type=bounded(100, 100_000), default=20_000)
    parser.add_argument("--months", type=bounded(13, 60), default=36)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--requests", type=bounded(10, 10_000), default=100)
    args = parser.parse_args()
    stop_on_sigterm()
    district = generate(args.enterprises, args.months, seed=args.seed)
    with local_stack(workers=2) as stack:
        os.environ.update(stack.env)
        from server import create_app
        from server.extensions import db
        app = create_app()
        with app.app_context():
            loaded = load(db.session, stack.database_url, district)
            runs = run_months(db.session, district)
            dashboards = measure_dashboards(stack.base_url, district, args.requests)
            evaluation = evaluate(db.session, district)
    report(args, loaded, runs, dashboards, evaluation)


def load(session, database_url: str, district: District) -> dict[str, float]:  # type: ignore[no-untyped-def]
    say(f"{len(district.firms):,} enterprises through the record store …")
    start = time.perf_counter()
    load_enterprises(session, district)
    records = time.perf_counter() - start
    say("their indicator values with COPY …")
    start = time.perf_counter()
    values = copy_values(session, district)
    session.commit()
    return {"records_s": records, "values": values, "values_s": time.perf_counter() - start}


def run_months(session, district: District) -> dict[str, object]:  # type: ignore[no-untyped-def]
    from server.services.warnings.economy import run_economy
    from server.services.warnings.run import run_warnings
    times: list[tuple[date, float, float, dict]] = []
    for month in district.months[6:]:
        start = time.perf_counter()
        summary = run_warnings(session, month)
        middle = time.perf_counter()
        run_economy(session, month)
        session.commit()
        times.append((month, middle - start, time.perf_counter() - middle, summary.dispatch))
        say(f"{month:%Y-%m}: warnings {middle - start:.2f} s, economy "
            f"{time.perf_counter() - middle:.2f} s, {summary.levels}, {summary.dispatch}")
    last = district.months[-1]
    start = time.perf_counter()
    again = run_warnings(session, last)
    run_economy(session, last)
    session.commit()
    return {"months": times, "rerun_s": time.perf_counter() - start, "rerun": again.dispatch}


def measure_dashboards(base_url: str, district: District, requests: int) -> dict[str, Spread]:
    client = Client(base_url)
    auth = sign_in(client, "admin")
    last = f"{district.months[-1]:%Y-%m}"
    some = sorted(district.truth)[0]
    paths = {"baseline: /me": "/api/v1/me",
             "warnings list (month, 100)": f"/api/v1/warnings?month={last}&limit=100",
             "warnings by month and level": "/api/v1/warnings/summary",
             "map: warnings by grid": f"/api/v1/warnings/map?month={last}",
             "enterprise page": f"/api/v1/warnings/enterprises/{some}",
             "economy of the district": "/api/v1/economy?area=district"}
    spreads = {}
    for name, path in paths.items():
        seconds = []
        for _ in range(requests):
            reply = client.request("GET", path, auth)
            if reply.status != 200:
                raise SystemExit(f"{path} → {reply.status}: {reply.body[:300]!r}")
            seconds.append(reply.seconds)
        spreads[name] = Spread.of(seconds)
        say(f"{name}: p95 {spreads[name].p95 * 1000:.1f} ms")
    client.close()
    return spreads


def evaluate(session, district: District) -> list[list[str]]:  # type: ignore[no-untyped-def]
    from sqlalchemy import text
    first_month = district.months[6]
    rows = session.execute(text("""
        SELECT r.key, w.month, w.level FROM warnings w JOIN records r ON r.id = w.enterprise_id""")).all()
    flags: dict[str, dict[str, list[date]]] = {level: {} for level in LEVELS}
    for key, month, level in rows:
        for at_least in LEVELS[:LEVELS.index(level) + 1]:
            flags[at_least].setdefault(key, []).append(month)
    wages = session.execute(text("""
        SELECT r.key, v.month FROM indicator_values v JOIN records r ON r.id = v.enterprise_id
         WHERE v.indicator = 'wages_unpaid' AND v.value > 0 AND v.month >= :first"""),
        {"first": first_month}).all()
    baseline: dict[str, list[date]] = {}
    for key, month in wages:
        baseline.setdefault(key, []).append(month)
    truth = {k: d for k, d in district.truth.items() if d >= first_month}
    table = [_scores(f"≥ {level}", flags[level], truth) for level in LEVELS]
    table.append(_scores("baseline: wages unpaid > 0", baseline, truth))
    return table


def _scores(name: str, flagged: dict[str, list[date]], truth: dict[str, date]) -> list[str]:
    leads, hits = [], set()
    for key, dispute in truth.items():
        early = [m for m in flagged.get(key, []) if 0 <= _months_between(m, dispute) <= LEAD_WINDOW]
        if early:
            hits.add(key)
            leads.append(_months_between(min(early), dispute))
    precision = len(hits) / len(flagged) if flagged else 0.0
    recall = len(hits) / len(truth) if truth else 0.0
    return [name, f"{len(flagged):,}", f"{len(hits):,}", f"{precision:.1%}", f"{recall:.1%}",
            f"{statistics.median(leads):.1f}" if leads else "-"]


def _months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def report(args, loaded, runs, dashboards, evaluation) -> None:  # type: ignore[no-untyped-def]
    months = runs["months"]
    values = loaded["values"]
    print(f"\nbench/warnings.py: {args.enterprises:,} enterprises × 8 indicators × {args.months} "
          f"months = {values:,} values delivered (seed {args.seed}); load {machine_load()}")
    print_table("Load", ["step", "seconds", "per second"], [
        ["enterprises through the record store", f"{loaded['records_s']:.1f}",
         f"{args.enterprises / loaded['records_s']:,.0f}"],
        ["indicator values with COPY", f"{loaded['values_s']:.1f}",
         f"{values / loaded['values_s']:,.0f}"]])
    warn = [w for _, w, _, _ in months]
    econ = [e for _, _, e, _ in months]
    last = months[-1]
    print_table("Monthly run (warnings + dispatch, then the economic run)",
                ["run", "warnings s", "economy s", "total s", "dispatch"], [
                    [f"last month {last[0]:%Y-%m}", f"{last[1]:.2f}", f"{last[2]:.2f}",
                     f"{last[1] + last[2]:.2f}", str(last[3])],
                    [f"median of {len(months)} months", f"{statistics.median(warn):.2f}",
                     f"{statistics.median(econ):.2f}",
                     f"{statistics.median(w + e for w, e in zip(warn, econ)):.2f}", ""],
                    ["slowest month", f"{max(warn):.2f}", f"{max(econ):.2f}",
                     f"{max(w + e for w, e in zip(warn, econ)):.2f}", ""],
                    ["last month again (re-run)", "", "", f"{runs['rerun_s']:.2f}",
                     str(runs["rerun"])]])
    base = dashboards["baseline: /me"]
    print_table("Dashboards over HTTP (ms)", ["query", "n", "p50", "p95", "max", "p95 × /me"], [
        [name, s.n, f"{s.p50 * 1000:.1f}", f"{s.p95 * 1000:.1f}", f"{s.max * 1000:.1f}",
         ratio(s.p95, base.p95)] for name, s in dashboards.items()])
    print_table(f"Evaluation (a warning up to {LEAD_WINDOW} months before the planted dispute)",
                ["signal", "enterprises flagged", "disputes caught", "precision", "recall",
                 "median lead (months)"], evaluation)
    slowest_p95 = max(s.p95 for n, s in dashboards.items() if not n.startswith("baseline"))
    total = last[1] + last[2]
    print_summary([
        Target("monthly run (last month, warnings + economy)", f"{total:.2f} s", "< 10 s",
               total < 10),
        Target("slowest dashboard p95", f"{slowest_p95 * 1000:.1f} ms", "< 100 ms",
               slowest_p95 < 0.1)])


if __name__ == "__main__":
    main()
