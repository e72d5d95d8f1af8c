#!/usr/bin/env bash
# Make the local signing key for `make run` once, under var/ (never committed).
set -euo pipefail
file=$1
if [ ! -f "$file" ]; then
  umask 077
  kid="k$(date +%Y%m%d)"
  secret=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')
  printf 'export ZHIWANG_JWT_KEYS='"'"'{"%s": "%s"}'"'"'\nexport ZHIWANG_JWT_ACTIVE_KID=%s\n' \
    "$kid" "$secret" "$kid" > "$file"
fi
