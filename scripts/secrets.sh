#!/usr/bin/env bash
# Make the local keys for `make run` once, under var/ (never committed): the access-token signing
# key, and the key that seals webhook signing secrets (added to an older file that lacks it).
set -euo pipefail
file=$1
umask 077
kid="k$(date +%Y%m%d)"
random() { python3 -c 'import secrets; print(secrets.token_urlsafe(48))'; }
if [ ! -f "$file" ]; then
  printf 'export ZHIWANG_JWT_KEYS='"'"'{"%s": "%s"}'"'"'\nexport ZHIWANG_JWT_ACTIVE_KID=%s\n' \
    "$kid" "$(random)" "$kid" > "$file"
fi
if ! grep -q ZHIWANG_WEBHOOK_SECRET_KEYS "$file"; then
  printf 'export ZHIWANG_WEBHOOK_SECRET_KEYS='"'"'{"%s": "%s"}'"'"'\n' "$kid" "$(random)" >> "$file"
fi
