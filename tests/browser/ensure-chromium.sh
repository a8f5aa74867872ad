#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests (tests/browser/) when /usr/bin/chromium is missing,
# and a Chinese font (fonts-wqy-zenhei) so the screenshots the tests save can be read.
# Called by `make test-deps`. Playwright drives this system browser (never `playwright install`).
# Outside CI a failed install only means the browser tests are skipped with a reason; in CI
# (CI=true or GONGKAI_REQUIRE_SERVICES=1) it fails the build.
set -u
CHROMIUM=${GONGKAI_CHROMIUM:-/usr/bin/chromium}

required() {
  for flag in "${CI:-}" "${GONGKAI_REQUIRE_SERVICES:-}"; do
    case "$flag" in ""|0|false|no) ;; *) return 0;; esac
  done
  return 1
}

give_up() {
  if required; then
    echo "无法安装 Chromium：$1（CI 中浏览器测试为必需）。" >&2
    exit 1
  fi
  echo "Chromium not installed ($1): the browser tests (tests/browser) will be skipped (they are required in CI)."
  exit 0
}

has_cjk_font() { command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh 2>/dev/null | head -1)" ]; }
PACKAGES=()
[ -x "$CHROMIUM" ] || PACKAGES+=(chromium)
has_cjk_font || PACKAGES+=(fonts-wqy-zenhei)
[ ${#PACKAGES[@]} -eq 0 ] && exit 0
command -v apt-get >/dev/null 2>&1 || give_up "no apt-get on this system"
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO="sudo -n"
else
  give_up "apt-get needs root"
fi

echo "Installing ${PACKAGES[*]} for the browser tests…"
export DEBIAN_FRONTEND=noninteractive
APT_OPTS=(-o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
# The package lists may be missing (fresh containers) or stale (an old candidate version).
if ! $SUDO apt-get "${APT_OPTS[@]}" install -y -q --no-install-recommends "${PACKAGES[@]}" >/dev/null; then
  $SUDO apt-get "${APT_OPTS[@]}" update -q >/dev/null || give_up "apt-get update failed"
  $SUDO apt-get "${APT_OPTS[@]}" install -y -q --no-install-recommends "${PACKAGES[@]}" >/dev/null \
    || give_up "apt-get install ${PACKAGES[*]} failed"
fi
[ -x "$CHROMIUM" ] || give_up "$CHROMIUM still missing after the install"
echo "chromium installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
