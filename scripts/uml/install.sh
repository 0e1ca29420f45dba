#!/usr/bin/env bash
# install.sh [--if-possible] installs what scripts/uml/run.sh needs from
# Debian's packages: user-mode-linux (a Linux kernel that runs as a
# process, /usr/bin/linux.uml, with modules such as sch_netem and veth),
# kmod (insmod/modprobe for those modules) and iproute2 (ip, tc). It is
# quick when they are installed already. With --if-possible a machine that
# cannot install packages says what is missing and exits 0 (the tests that
# need UML then skip, or fail with CI=true).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$here/../install-debian.sh" "$@" user-mode-linux kmod iproute2
