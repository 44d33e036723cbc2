#!/usr/bin/env bash
# Install the Debian packages the test suite needs, only when missing.
#   docker-compose        validates the compose file
#   chromium              the browser the portal's end-to-end tests drive (headless, through
#                         Playwright's Python client; Playwright never downloads a browser here)
#   fonts-wqy-microhei    a CJK font, so the screenshots of Chinese pages are legible
set -euo pipefail
need=()
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
[ -x /usr/bin/chromium ] || need+=(chromium)
fc-list 2>/dev/null | grep -qi "wqy\|noto sans cjk" || need+=(fonts-wqy-microhei)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null 2>&1; then
    echo "missing Debian packages: ${need[*]} — install them with: apt-get install -y ${need[*]}" >&2
    exit 1
  fi
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  echo "installing Debian packages: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
