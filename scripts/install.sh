#!/bin/sh
# Install hisms from this offline bundle: a virtual environment under PREFIX, built only
# from the wheels beside this script (pip --no-index: no network is used or needed).
#
#   ./install.sh [--prefix /opt/hisms] [--with mysql,oracle,sqlserver]
#
# Needs CPython 3.11 with venv ($PYTHON, default python3.11, else python3). Afterwards:
# docs/install.md, "The service" (user, /etc/hisms, the systemd unit, hisms doctor).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
prefix=/opt/hisms
with=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift 2 ;;
    --with) with=$2; shift 2 ;;
    *) echo "usage: $0 [--prefix DIR] [--with mysql,oracle,sqlserver]" >&2; exit 2 ;;
  esac
done
python=${PYTHON:-$(command -v python3.11 || command -v python3)}
if ! "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "hisms needs CPython 3.11 (found: $("$python" --version 2>&1)); set PYTHON=" >&2
  exit 1
fi
"$python" -m venv "$prefix"
"$prefix/bin/pip" install -q --disable-pip-version-check --no-index --find-links "$here/wheels" "hisms${with:+[$with]}"
mkdir -p "$prefix/etc" "$prefix/docs"
cp -r "$here/etc/." "$prefix/etc/"
cp -r "$here/docs/." "$prefix/docs/"
echo "installed $("$prefix/bin/hisms" --version) in $prefix"
echo "next: docs/install.md (the service user, /etc/hisms, systemd, hisms doctor)"
