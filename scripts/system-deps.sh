#!/usr/bin/env bash
# Install the system packages a feature needs, with apt, when they are missing.
# Usage: scripts/system-deps.sh postgis|chromium|poppler|pdf|zbar|wrk|nginx|gdal|npm ...
# Root or passwordless sudo installs them; otherwise it says what to install and fails.
set -euo pipefail

need=()
pg_version() { ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1; }

for feature in "$@"; do
  case "$feature" in
    postgis)
      v=$(pg_version)
      if [ -z "$v" ]; then need+=(postgresql); fi
      if [ -z "$v" ] || [ ! -f "/usr/share/postgresql/$v/extension/postgis.control" ] ||
         [ ! -f "/usr/lib/postgresql/$v/lib/postgis-3.so" ]; then
        need+=("postgresql-${v:-15}-postgis-3")
      fi ;;
    chromium) command -v chromium >/dev/null || need+=(chromium fonts-dejavu-core) ;;
    poppler) command -v pdftoppm >/dev/null || need+=(poppler-utils) ;;
    pdf) ldconfig -p | grep -q libpangoft2-1.0 || need+=(libpango-1.0-0 libpangoft2-1.0-0)
         [ -d /usr/share/fonts/truetype/dejavu ] || need+=(fonts-dejavu-core) ;;
    zbar) command -v zbarimg >/dev/null || need+=(zbar-tools) ;;
    wrk) command -v wrk >/dev/null || need+=(wrk) ;;
    nginx) command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light) ;;
    gdal) command -v ogrinfo >/dev/null || need+=(gdal-bin) ;;
    npm) command -v npm >/dev/null || need+=(nodejs npm) ;;
    *) echo "system-deps: unknown feature $feature" >&2; exit 2 ;;
  esac
done

[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then sudo=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo=(sudo -n)
else
  echo "Missing system packages: ${need[*]}" >&2
  echo "Install them (for example: sudo apt-get install ${need[*]}) or set DATABASE_URL to an existing PostGIS." >&2
  exit 1
fi

if ! command -v apt-get >/dev/null; then
  echo "Missing system packages: ${need[*]} (no apt-get here: install them with your package manager)." >&2
  exit 1
fi

echo "Installing system packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# A fresh postgresql package may start its own cluster on 5432; ours never uses it.
