# Shared by scripts/dev and scripts/test: make sure the machine has what the project needs.
# Idempotent and quick when everything is already there.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PYTHON="${PYTHON:-python3}"

need_debian_packages() {
  local missing=()
  for pkg in "$@"; do
    case "$pkg" in
      redis-server) command -v redis-server >/dev/null || missing+=(redis-server) ;;
      chromium) [ -x /usr/bin/chromium ] || missing+=(chromium) ;;
      curl|jq) command -v "$pkg" >/dev/null || missing+=("$pkg") ;;
    esac
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian packages: ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "missing: ${missing[*]} — install with: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
}

ensure_venv() {
  # Reinstall when pyproject.toml changed since the last install.
  local stamp="$VENV/.installed-$(sha256sum "$ROOT/pyproject.toml" | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e "$ROOT[test,dev]"
    rm -f "$VENV"/.installed-*
    touch "$stamp"
  fi
}
