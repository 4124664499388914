#!/usr/bin/env bash
# Makes sure the real components the tests run against are installed: redis-server, promtool
# (Debian packages redis-server and prometheus) and unzip (checks the Lambda archives). Installs them when running as root with apt-get;
# otherwise fails with the exact command to run.
set -euo pipefail
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v unzip >/dev/null 2>&1 || missing+=(unzip)
[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-tools: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The prometheus package starts a server we do not need.
  (systemctl stop prometheus 2>/dev/null || service prometheus stop 2>/dev/null || true) >/dev/null 2>&1
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo sh -c "DEBIAN_FRONTEND=noninteractive $cmd"
else
  echo "ensure-tools: missing ${missing[*]}. Install with:" >&2
  echo "  sudo sh -c '$cmd'" >&2
  exit 1
fi
