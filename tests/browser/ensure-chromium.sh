#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests (tests/browser/) when /usr/bin/chromium is missing,
# and, best effort, a Chinese font (fonts-wqy-zenhei) so the screenshots the tests save are legible.
# Called by `make test-deps`. Playwright drives this system browser (never `playwright install`).
# Outside CI a failed install only means the browser tests are skipped with a reason; in CI
# (CI=true or GONGKAI_REQUIRE_SERVICES=1) a missing chromium fails the build.
set -u
CHROMIUM=${GONGKAI_CHROMIUM:-/usr/bin/chromium}
export DEBIAN_FRONTEND=noninteractive
APT_OPTS=(-o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)

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

can_apt() {
  command -v apt-get >/dev/null 2>&1 || return 1
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; return 0; fi
  command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null && SUDO="sudo -n" && return 0
  return 1
}

# apt-get install, refreshing the package lists once if they are missing or stale
apt_install() {
  $SUDO apt-get "${APT_OPTS[@]}" install -y -q --no-install-recommends "$@" >/dev/null 2>&1 && return 0
  $SUDO apt-get "${APT_OPTS[@]}" update -q >/dev/null 2>&1 || return 1
  $SUDO apt-get "${APT_OPTS[@]}" install -y -q --no-install-recommends "$@" >/dev/null 2>&1
}

if [ ! -x "$CHROMIUM" ]; then
  can_apt || give_up "apt-get is missing or needs root"
  echo "Installing Debian's chromium for the browser tests…"
  apt_install chromium || give_up "apt-get install chromium failed"
  [ -x "$CHROMIUM" ] || give_up "$CHROMIUM is still missing after the install"
  echo "Installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
fi

if ! has_cjk_font && can_apt; then
  apt_install fonts-wqy-zenhei || echo "No Chinese font installed: the screenshots will show boxes instead of text."
fi
exit 0
