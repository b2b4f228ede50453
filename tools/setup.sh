#!/usr/bin/env bash
# One-step set-up on a fresh machine: the pinned pnpm, then the workspace install and build.
# Native dependencies (better-sqlite3 for the hub) compile against the local Node headers: npm on
# this kind of machine is configured with `nodedir`, but pnpm does not pass that on to node-gyp,
# which would then try to download headers (no network here), so we export it ourselves.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=12.4.2
if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  npm install -g "pnpm@$PNPM_VERSION"
fi

if [ -z "${npm_config_nodedir:-}" ]; then
  nodedir="$(npm config get nodedir 2>/dev/null || true)"
  if [ -n "$nodedir" ] && [ "$nodedir" != "undefined" ] && [ -d "$nodedir/include/node" ]; then
    export npm_config_nodedir="$nodedir"
  elif [ -d /usr/include/node ]; then
    export npm_config_nodedir=/usr
  fi
fi

pnpm install --frozen-lockfile
pnpm build
