#!/usr/bin/env bash
# Prepares a fresh Debian machine for corral's full test suite: the packages the local
# backend needs (bubblewrap, socat, ripgrep), chromium for the dashboard's browser tests,
# a compiler for better-sqlite3, a running Docker engine, and a base image made without any registry (debootstrap + docker import),
# tagged as the name the sandbox Dockerfile's FROM uses. Idempotent: every step is skipped when already done.
# Needs root (apt-get, dockerd). Used by .ci/run; a developer may run it once by hand.
set -euo pipefail

BASE_TAG="${CORRAL_BASE_TAG:-debian:bookworm-slim}"
MIRROR="${CORRAL_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
log() { printf '[setup-host] %s\n' "$*" >&2; }

need_pkgs=()
command -v bwrap >/dev/null || need_pkgs+=(bubblewrap)
command -v socat >/dev/null || need_pkgs+=(socat)
command -v rg >/dev/null || need_pkgs+=(ripgrep)
command -v dockerd >/dev/null || need_pkgs+=(docker.io)
command -v docker-compose >/dev/null || need_pkgs+=(docker-compose)
command -v debootstrap >/dev/null || need_pkgs+=(debootstrap)
command -v iptables >/dev/null || need_pkgs+=(iptables)
# The dashboard's browser tests drive Debian's chromium (playwright-core, no browser download).
[ -x /usr/bin/chromium ] || need_pkgs+=(chromium)
if ((${#need_pkgs[@]})); then
  log "installing ${need_pkgs[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

bash "$(dirname "$0")/build-tools.sh"

if ! docker info >/dev/null 2>&1; then
  log "starting dockerd"
  nohup dockerd >/var/log/corral-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || { log "dockerd did not start; see /var/log/corral-dockerd.log"; tail -20 /var/log/corral-dockerd.log >&2; exit 1; }
fi

if ! docker image inspect "$BASE_TAG" >/dev/null 2>&1; then
  log "building base image $BASE_TAG with debootstrap (no registry needed; a few minutes)"
  root="$(mktemp -d /var/tmp/corral-rootfs.XXXXXX)"
  debootstrap --variant=minbase --include=git,ca-certificates bookworm "$root" "$MIRROR" >/var/log/corral-debootstrap.log 2>&1 \
    || { tail -20 /var/log/corral-debootstrap.log >&2; exit 1; }
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -c . | docker import - "$BASE_TAG" >/dev/null
  rm -rf "$root"
fi
log "ready: docker engine up, base image $BASE_TAG present"
