#!/usr/bin/env bash
# Run the test suite against a throwaway PostGIS cluster; the exit status is pytest's.
set -uo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d /tmp/zhiwang-test.XXXXXX)
port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() { scripts/cluster.sh stop "$dir"; rm -rf "$dir"; }
trap cleanup EXIT
url=$(PG_FSYNC=off scripts/cluster.sh start "$dir" "$port") || exit 1
export TEST_DATABASE_URL=$url
.venv/bin/python -m pytest "$@"
