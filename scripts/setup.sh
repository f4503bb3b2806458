#!/usr/bin/env bash
# Install what faultline needs on a Debian 12 (bookworm) or 13 (trixie) machine.
# Idempotent: a second run installs nothing and takes a few seconds.
#
# Unicorn >= 2.1 is required (docs/substrate.md explains why 2.0.1 cannot do
# this design). Debian 13 ships 2.1.1; on Debian 12 it comes from trixie through
# a low-priority pin, so nothing else is ever taken from trixie.
set -euo pipefail

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
      echo "setup.sh: must run as root (or with sudo available)" >&2; exit 1
    fi
  else
    SUDO=
  fi
}

# Packages: build tools, the libraries faultline links, and the reference
# programs the tests and benchmarks compare against.
PKGS=(build-essential cmake pkg-config libcapstone-dev libsqlite3-dev sqlite3
      libncurses-dev tmux busybox-static musl-tools qemu-user python3 bc procps strace gdb)

unicorn_ok() {
  pkg-config --exists 'unicorn >= 2.1' 2>/dev/null
}

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ] && unicorn_ok; then
  exit 0
fi

need_root
export DEBIAN_FRONTEND=noninteractive

. /etc/os-release
if ! unicorn_ok && [ "${VERSION_CODENAME:-}" = bookworm ]; then
  # Reuse the mirror of the existing bookworm source, whatever it is.
  mirror=$( (grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null || true) \
           | awk '{print $2}' | grep -v security | sed -n 1p || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  $SUDO tee /etc/apt/sources.list.d/faultline-trixie.sources >/dev/null <<SRC
Types: deb
URIs: ${mirror%/}
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  $SUDO tee /etc/apt/preferences.d/faultline-trixie-pin >/dev/null <<PIN
Package: *
Pin: release n=trixie
Pin-Priority: 50
PIN
fi

$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${PKGS[@]}" >/dev/null
if ! unicorn_ok; then
  if [ "${VERSION_CODENAME:-}" = bookworm ]; then
    $SUDO apt-get install -y -qq --no-install-recommends -t trixie libunicorn-dev >/dev/null
  else
    $SUDO apt-get install -y -qq --no-install-recommends libunicorn-dev >/dev/null
  fi
fi
if ! unicorn_ok; then
  echo "setup.sh: Unicorn >= 2.1 could not be installed (pkg-config unicorn: $(pkg-config --modversion unicorn 2>/dev/null || echo none))" >&2
  exit 1
fi
echo "setup.sh: dependencies installed (unicorn $(pkg-config --modversion unicorn))"
