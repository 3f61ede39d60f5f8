#!/usr/bin/env bash
# Install Virtuoso Open Source 7 from Debian non-interactively (run as root; .ci/run calls it).
#
# The package asks for a DBA password; it is preseeded with debconf. The post-install script cannot start
# the service without systemd and says "Unable to set password for the Virtuoso DBA user": that is harmless,
# because citykg never uses the system database. scripts/virtuoso.sh starts throwaway servers with their own
# databases, created on first start with the account dba / dba and bound to 127.0.0.1 only.
set -euo pipefail

if command -v virtuoso-t >/dev/null && [ -r /etc/virtuoso-opensource-7/virtuoso.ini ]; then
  echo "install_virtuoso.sh: $(virtuoso-t -? 2>&1 | head -n 1 || true) already installed"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "install_virtuoso.sh: run as root (apt-get install virtuoso-opensource)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# the package's own prompt; the value only matters for the system database, which citykg does not use
debconf-set-selections <<'EOF'
virtuoso-opensource-7 virtuoso-opensource-7/dba-password password dba
virtuoso-opensource-7 virtuoso-opensource-7/dba-password-again password dba
EOF
apt-get install -y -qq --no-install-recommends virtuoso-opensource >/dev/null
command -v virtuoso-t isql-vt
