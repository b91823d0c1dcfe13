#!/bin/sh
# Installs a software Vulkan device (Mesa's lavapipe, from Debian bookworm-backports) so that Dawn, the
# WebGPU implementation in the npm package `webgpu`, finds an adapter on a machine without a GPU. The
# WebGPU training tests (test/unit/webgpu/) need it; Debian 12's own Mesa (22.x) is too old for Dawn.
#
# Idempotent. Works as root on Debian 12 (bookworm). Anywhere else (not root, not bookworm, no apt, no
# network) it changes nothing, says why on stderr and exits 0, so the caller decides what a missing
# device means (the tests fail unless RML_SKIP_WEBGPU=1).
set -u

say() { printf 'install-mesa-vulkan: %s\n' "$*" >&2; }

# lavapipe's ICD manifest; its presence with Mesa >= 23 means there is nothing to do.
mesa_version() { dpkg-query -W -f '${Version}' mesa-vulkan-drivers 2>/dev/null || true; }
is_recent() {
  v="$(mesa_version)"
  [ -n "$v" ] && dpkg --compare-versions "$v" ge 23 2>/dev/null
}

if command -v dpkg-query >/dev/null 2>&1 && is_recent; then
  say "mesa-vulkan-drivers $(mesa_version) already installed; nothing to do."
  exit 0
fi
if [ ! -r /etc/os-release ] || ! grep -q '^VERSION_CODENAME=bookworm' /etc/os-release; then
  say "not Debian 12 (bookworm); not installing. Install a Vulkan driver (Mesa >= 23 or a GPU driver) yourself."
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  say "not root; not installing. Run as root: $0"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  say "apt-get not found; not installing."
  exit 0
fi

# Use the mirror apt already uses for bookworm's main suite, so that a machine pinned to a local or
# snapshot mirror keeps using it. deb822 files (Debian 12's default) first, then one-line sources.list.
mirror=""
for f in /etc/apt/sources.list.d/*.sources; do
  [ -r "$f" ] || continue
  mirror="$(awk '
    /^[[:space:]]*$/ { if (uri != "" && bw) { print uri; exit } uri = ""; bw = 0; next }
    tolower($1) == "uris:" { uri = $2 }
    tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == "bookworm") bw = 1 }
    END { if (uri != "" && bw) print uri }
  ' "$f" | head -n 1)"
  [ -n "$mirror" ] && break
done
if [ -z "$mirror" ]; then
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -r "$f" ] || continue
    # "deb [options] URI bookworm components..."
    mirror="$(awk '
      $1 == "deb" { i = 2; if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                    if ($(i + 1) == "bookworm") { print $i; exit } }
    ' "$f" | head -n 1)"
    [ -n "$mirror" ] && break
  done
fi
if [ -z "$mirror" ]; then
  mirror="http://deb.debian.org/debian"
  say "no bookworm entry found in apt sources; using $mirror"
fi

# Add bookworm-backports unless some source already lists it.
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  tmp="/etc/apt/sources.list.d/.bookworm-backports.sources.tmp.$$"
  {
    echo "# Added by responsible-ml scripts/install-mesa-vulkan.sh (Mesa's software Vulkan for WebGPU tests)."
    echo "Types: deb"
    echo "URIs: $mirror"
    echo "Suites: bookworm-backports"
    echo "Components: main"
    echo "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
  } >"$tmp" && mv "$tmp" /etc/apt/sources.list.d/bookworm-backports.sources || {
    rm -f "$tmp"
    say "could not write the backports source; not installing."
    exit 0
  }
  say "added bookworm-backports from $mirror"
fi

# Other processes may be running apt at the same time: wait for the locks rather than fail.
if ! apt-get -o DPkg::Lock::Timeout=900 update -qq >&2; then
  say "apt-get update failed (offline?); not installing."
  exit 0
fi
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=900 \
  -t bookworm-backports mesa-vulkan-drivers >&2; then
  say "apt-get install of mesa-vulkan-drivers from bookworm-backports failed; not installed."
  exit 0
fi
say "installed mesa-vulkan-drivers $(mesa_version)."
exit 0
