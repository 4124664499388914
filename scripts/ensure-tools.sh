#!/usr/bin/env bash
# Makes sure the real components the tests run against are installed: redis-server, promtool and
# prometheus (Debian packages redis-server and prometheus), prometheus-alertmanager (the alert
# end-to-end test) and unzip (checks the Lambda archives). Installs them when running as root with
# apt-get; otherwise fails with the exact command to run.
set -euo pipefail
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
{ command -v promtool && command -v prometheus; } >/dev/null 2>&1 || missing+=(prometheus)
command -v prometheus-alertmanager >/dev/null 2>&1 || missing+=(prometheus-alertmanager)
command -v unzip >/dev/null 2>&1 || missing+=(unzip)
[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-tools: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The packages may start their own servers (ports 9090/9093): the tests start their own on free
  # 127.0.0.1 ports with temp data, so stop the packaged ones.
  for svc in prometheus prometheus-alertmanager; do
    (systemctl stop "$svc" 2>/dev/null || service "$svc" stop 2>/dev/null || true) >/dev/null 2>&1
  done
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo sh -c "DEBIAN_FRONTEND=noninteractive $cmd"
else
  echo "ensure-tools: missing ${missing[*]}. Install with:" >&2
  echo "  sudo sh -c '$cmd'" >&2
  exit 1
fi
