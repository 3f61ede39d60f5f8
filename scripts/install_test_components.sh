#!/usr/bin/env bash
# Install the optional test components on Debian (run as root, or with sudo): Chromium for the browser tests
# of views and pages, Virtuoso Open Source 7 for the remote-store tests. The Oxigraph server comes with
# `pip install -e '.[test]'`. Without these, `python -m pytest` skips those tests and says so at the end.
#
#   sudo bash scripts/install_test_components.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null; then exec sudo -E bash "$0" "$@"; fi
  echo "install_test_components.sh: run as root (apt-get install chromium poppler-utils virtuoso-opensource)" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null; then
  echo "install_test_components.sh: needs Debian or Ubuntu (apt-get); install Chromium and Virtuoso 7 by hand" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# chromium: the browser tests (tests/test_*browser.py, test_views_served.py) look for /usr/bin/chromium;
# poppler-utils: pdftoppm, pdftotext and pdfinfo open the printed PDFs (tests/test_views_prints.py, test_profile.py)
apt-get install -y -qq --no-install-recommends chromium poppler-utils >/dev/null
# Virtuoso: the remote-store tests start throwaway servers with scripts/virtuoso.sh
bash scripts/install_virtuoso.sh
echo "install_test_components.sh: $(command -v chromium), $(command -v pdftoppm) and $(command -v virtuoso-t) are installed"
