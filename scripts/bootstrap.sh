#!/usr/bin/env bash
# Install what Zhiwang needs and is missing: PostgreSQL 15 + PostGIS 3, a Python venv with the
# pinned requirements. Safe to run again: it only installs what is absent or changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_BIN=/usr/lib/postgresql/15/bin
POSTGIS_CONTROL=/usr/share/postgresql/15/extension/postgis.control
PYTHON=${PYTHON:-python3}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

if [ ! -x "$PG_BIN/postgres" ] || [ ! -f "$POSTGIS_CONTROL" ]; then
  echo "bootstrap: installing PostgreSQL 15 and PostGIS 3 from Debian's packages"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    postgresql-15 postgresql-15-postgis-3 postgresql-contrib >/dev/null
fi

# Browser tests drive Debian's Chromium (no browser is downloaded by the test tools).
# A small CJK font so that screenshots show Chinese rather than boxes.
if [ "${1:-}" = "--browser" ] && { [ ! -x /usr/bin/chromium ] ||
     [ ! -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; }; then
  echo "bootstrap: installing Chromium and a CJK font from Debian's packages"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
    fonts-wqy-microhei >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv"
  "$PYTHON" -m venv .venv || { as_root apt-get install -y -qq python3-venv >/dev/null; "$PYTHON" -m venv .venv; }
fi
stamp=.venv/.requirements.sha256
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "bootstrap: installing Python requirements"
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
  echo "$want" > "$stamp"
fi
