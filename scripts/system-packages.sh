#!/usr/bin/env bash
# Installs the Debian packages the tests need (Chromium for end-to-end tests, PostgreSQL for
# integration tests, poppler for reading PDFs, LibreOffice Calc as a second reader of the XLSX
# exports, and the release tools `npm run dist` and its packaging check use instead of the ones
# electron-builder would download: nsis, wixl + msitools, osslsigncode, 7z to open the NSIS
# installer, gpg and openssl for the throwaway keys) when they are missing and we are allowed to.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc)
command -v makensis >/dev/null 2>&1 || need+=(nsis)
command -v wixl >/dev/null 2>&1 || need+=(wixl)
command -v msiinfo >/dev/null 2>&1 || need+=(msitools)
command -v osslsigncode >/dev/null 2>&1 || need+=(osslsigncode)
command -v 7z >/dev/null 2>&1 || need+=(p7zip-full)
command -v gpg >/dev/null 2>&1 || need+=(gnupg)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v dpkg-deb >/dev/null 2>&1 || need+=(dpkg)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"; else
  echo "system-packages: please install: ${need[*]} (apt-get install -y ${need[*]})" >&2
  exit 1
fi
echo "system-packages: installing ${need[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# The Debian package starts a system-wide cluster we do not use; tests start their own.
if [[ " ${need[*]} " == *" postgresql "* ]] && command -v pg_ctlcluster >/dev/null 2>&1; then
  for c in $(pg_lsclusters -h 2>/dev/null | awk '{print $1"/"$2}'); do $sudo pg_ctlcluster ${c%/*} ${c#*/} stop 2>/dev/null || true; done
fi
