"""The long fuzz run: schemathesis against the served OpenAPI document of a real server.

    .venv/bin/python bench/fuzz.py [--minutes 5] [--workers 2] [--seed N] [--as admin,collector1]

It starts a throwaway PostGIS cluster, `flask db upgrade`, `flask demo seed` and gunicorn
(bench/harness.py; only loopback traffic), signs in each named demo user, and runs
`st run` once per user for --minutes each: every phase (examples, coverage, fuzzing, stateful),
valid and invalid data, with the checks the CI-sized test uses (tests/api/test_fuzz.py): no 5xx,
and status, content type, headers and body as the document says. Reports (JUnit, and a pytest
file reproducing each failure) go to artifacts/fuzz/. Exit status 1 if any run found a failure.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import (ROOT, VENV_BIN, Client, local_stack, say, sign_in,  # noqa: E402
                     stop_on_sigterm)

CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_headers_conformance,response_schema_conformance")
REPORTS = ROOT / "artifacts" / "fuzz"


def main() -> int:
    """Run schemathesis as each user against a fresh server; 1 when anything failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0, help="time budget per user")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--as", dest="users", default="admin,collector1")
    args = parser.parse_args()
    stop_on_sigterm()
    outcomes = {}
    with local_stack(workers=args.workers) as stack:
        for username in args.users.split(","):
            auth = sign_in(Client(stack.base_url), username)
            outcomes[username] = _fuzz(stack.base_url, username, auth["Authorization"], args)
    for username, code in outcomes.items():
        print(f"{username:<12} {'no failure' if code == 0 else f'FAILURES (st exit {code})'}")
    return 0 if all(code == 0 for code in outcomes.values()) else 1


def _fuzz(base_url: str, username: str, authorization: str, args: argparse.Namespace) -> int:
    say(f"schemathesis as {username} for {args.minutes:g} min …")
    REPORTS.mkdir(parents=True, exist_ok=True)
    command = [str(VENV_BIN / "st"), "run", f"{base_url}/api/v1/openapi.json",
               "--header", f"Authorization: {authorization}", "--checks", CHECKS,
               "--max-time", str(int(args.minutes * 60)), "--workers", "1",
               "--request-timeout", "30", "--report", "junit,pytest",
               "--report-junit-path", str(REPORTS / f"{username}.junit.xml"),
               "--report-pytest-path", str(REPORTS / f"test_{username}_failures.py")]
    if args.seed is not None:
        command += ["--seed", str(args.seed)]
    return subprocess.run(command, cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main())
