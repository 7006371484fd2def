#!/usr/bin/env bash
# Creates and deploys one Limner edge environment on Cloudflare (docs/deploy.md, "Cloudflare
# edge + your runtimes"). Idempotent: rerun it after a failure or to redeploy.
#
#   RUNTIME_SERVICE_TOKEN=… infra/cloudflare/setup.sh staging|production [--print]
#
# Needs `npx wrangler login` (or CLOUDFLARE_API_TOKEN + CLOUDFLARE_ACCOUNT_ID) first.
# RUNTIME_SERVICE_TOKEN is the token your runtimes were started with (LIMNER_SERVICE_TOKEN);
# set RUNTIME_URLS in apps/edge/wrangler.jsonc's env section to their public HTTPS names.
# --print writes the commands instead of running them.
set -euo pipefail

env="${1:-}"
mode="${2:-}"
if [[ "$env" != "staging" && "$env" != "production" ]]; then
  echo "usage: infra/cloudflare/setup.sh staging|production [--print]" >&2
  exit 2
fi
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root/apps/edge"

database="limner-$env"
bucket="limner-files-$env"
export WRANGLER_SEND_METRICS=false

run() {
  if [[ "$mode" == "--print" ]]; then
    printf '%q' "$1"
    shift
    printf ' %q' "$@"
    printf '\n'
  else
    "$@"
  fi
}

# Pipes a secret into `wrangler secret put` (stdin, so it never appears in argv or history).
put_secret() {
  local name="$1" value="$2"
  if [[ "$mode" == "--print" ]]; then
    printf 'npx wrangler secret put %s --env %s   # value from stdin\n' "$name" "$env"
  else
    printf '%s' "$value" | npx wrangler secret put "$name" --env "$env"
  fi
}

# 1. D1: create the database once, write its id into this environment's binding, migrate.
if [[ "$mode" == "--print" ]]; then
  echo "npx wrangler d1 create $database"
  echo "node --import tsx $root/infra/cloudflare/set-database-id.ts $env <uuid from: npx wrangler d1 list --json>"
else
  if ! npx wrangler d1 list --json | node -e 'const l=JSON.parse(require("fs").readFileSync(0,"utf8"));process.exit(l.some(d=>d.name===process.argv[1])?0:1)' "$database"; then
    npx wrangler d1 create "$database"
  fi
  uuid="$(npx wrangler d1 list --json | node -e 'const l=JSON.parse(require("fs").readFileSync(0,"utf8"));const d=l.find(d=>d.name===process.argv[1]);if(!d)process.exit(1);process.stdout.write(d.uuid)' "$database")"
  node --import tsx "$root/infra/cloudflare/set-database-id.ts" "$env" "$uuid"
fi
run npx wrangler d1 migrations apply DB --remote --env "$env"

# 2. R2: the bucket, and a lifecycle rule deleting images a day after upload. File URLs live
#    60 minutes (apps/edge/src/files/signed-url.ts); a day is R2's smallest expiry unit.
if [[ "$mode" == "--print" ]] || ! npx wrangler r2 bucket info "$bucket" >/dev/null 2>&1; then
  run npx wrangler r2 bucket create "$bucket"
fi
run npx wrangler r2 bucket lifecycle add "$bucket" expire-generated-images "" --expire-days 1 --force

# 3. Secrets. The service token must match the runtimes'; the other two are generated here
#    unless given, and the admin token is printed once (it is not stored anywhere else).
if [[ -z "${RUNTIME_SERVICE_TOKEN:-}" && "$mode" != "--print" ]]; then
  echo "set RUNTIME_SERVICE_TOKEN to your runtimes' LIMNER_SERVICE_TOKEN" >&2
  exit 2
fi
put_secret RUNTIME_SERVICE_TOKEN "${RUNTIME_SERVICE_TOKEN:-}"
put_secret FILES_SIGNING_KEY "${FILES_SIGNING_KEY:-$(openssl rand -base64 32)}"
admin_token="${LIMNER_ADMIN_TOKEN:-$(openssl rand -base64 32)}"
put_secret LIMNER_ADMIN_TOKEN "$admin_token"

# 4. Deploy.
run npx wrangler deploy --env "$env"
if [[ "$mode" != "--print" && -z "${LIMNER_ADMIN_TOKEN:-}" ]]; then
  echo "admin token for $env (store it now): $admin_token"
fi
