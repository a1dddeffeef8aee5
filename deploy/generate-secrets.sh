#!/usr/bin/env bash
# One command before the first `docker compose up`: writes deploy/.env from deploy/.env.example with every empty
# value replaced by 32 random bytes (base64url, 43 characters: safe in URLs, connection strings and YAML).
#   deploy/generate-secrets.sh            writes deploy/.env; refuses to overwrite an existing one
#   deploy/generate-secrets.sh --force    replaces it (every secret changes: the database keeps its old passwords)
#   deploy/generate-secrets.sh --output FILE
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
output="$here/.env"
force=false
while [ $# -gt 0 ]; do
  case "$1" in
    --force) force=true ;;
    --output) output="$2"; shift ;;
    *) echo "usage: $0 [--force] [--output FILE]" >&2; exit 2 ;;
  esac
  shift
done
if [ -e "$output" ] && [ "$force" != true ]; then
  echo "$output exists; keeping it (--force replaces every secret in it)" >&2
  exit 1
fi

secret() { head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }

umask 077
tmp="$(mktemp "$output.XXXXXX")"
while IFS= read -r line || [ -n "$line" ]; do
  if [[ "$line" =~ ^([A-Z0-9_]+)=$ ]]; then
    echo "${BASH_REMATCH[1]}=$(secret)"
  else
    echo "$line"
  fi
done < "$here/.env.example" > "$tmp"
mv "$tmp" "$output"
echo "wrote $output (keep it secret; it is git-ignored)"
