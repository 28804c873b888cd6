#!/usr/bin/env bash
# Makes sure npm ci can compile better-sqlite3 (corral's instance index) where its prebuilt
# binary cannot be downloaded: installs g++, make and python3 with apt-get when one is
# missing and this runs as root or with passwordless sudo; otherwise says what to install.
# Called by the ./corral shim and by npm test before their first npm ci.
set -euo pipefail
missing=()
command -v g++ >/dev/null || missing+=(g++)
command -v make >/dev/null || missing+=(make)
command -v python3 >/dev/null || missing+=(python3)
((${#missing[@]})) || exit 0
if [ "$(id -u)" = 0 ]; then sudo=(); elif sudo -n true 2>/dev/null; then sudo=(sudo -n); else
  printf 'corral: npm may need %s to build better-sqlite3; install them (apt-get install %s) if npm ci fails\n' "${missing[*]}" "${missing[*]}" >&2
  exit 0
fi
printf 'corral: installing %s (to build better-sqlite3)…\n' "${missing[*]}" >&2
"${sudo[@]}" apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
