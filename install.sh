#!/bin/sh
# Installs dfwgen on Debian 12 with everything its build and test suite need.
# Run as root from the source tree. Safe to run again: it never overwrites a
# configuration that already exists, and it touches no firewall rule.
set -eu
cd "$(dirname "$0")"

if [ "$(id -u)" -ne 0 ]; then
	echo "install.sh: run as root (it installs packages and /usr/local/sbin/dfwgen)" >&2
	exit 1
fi

# build: compiler, pkg-config, libinih, libpcre2
# run:   iptables, ipset, netbase (/etc/services: ports by name)
# tests: bats and its libraries, GNU parallel (suites side by side), iproute2
#        (network namespaces), socat (probes),
#        jq, valgrind, util-linux (setpriv, nsenter), systemd (systemd-analyze verify);
#        the real-Docker suite: docker.io (dockerd, containerd, runc) and
#        busybox-static (the containers' image); the Ansible role's suite:
#        ansible-core, openssh-server and openssh-client (its sshd runs only
#        inside test namespaces); make fuzz: clang with libFuzzer
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	build-essential pkg-config libinih-dev libpcre2-dev libmnl-dev \
	iptables ipset netbase \
	bats bats-support bats-assert bats-file parallel iproute2 socat jq kmod procps util-linux valgrind \
	clang libclang-rt-14-dev systemd docker.io busybox-static \
	ansible-core openssh-client >/dev/null
# openssh-server is here only for the sshd the Ansible suite runs inside its
# test namespaces. Where this script is what installs it, the machine gets no
# SSH service from it: not started (policy-rc.d while installing), not enabled.
if ! dpkg-query -W -f '${Status}' openssh-server 2>/dev/null | grep -q "ok installed"; then
	own_policy=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 0755 /usr/sbin/policy-rc.d
		own_policy=1
	fi
	apt-get install -y -qq --no-install-recommends openssh-server >/dev/null
	[ -z "$own_policy" ] || rm -f /usr/sbin/policy-rc.d
	if [ -d /run/systemd/system ]; then
		systemctl disable --now ssh.service ssh.socket >/dev/null 2>&1 || true
	fi
	echo "install.sh: installed openssh-server for the tests; its ssh service is not started or enabled"
fi
# Installing docker.io must not leave a daemon running in this namespace: the
# tests start their own inside network namespaces. Debian's policy-rc.d (or no
# systemd as PID 1) normally prevents it; say so if one runs anyway.
if pgrep -x dockerd >/dev/null; then
	echo "install.sh: note: a dockerd is running on this machine; the tests never touch it" >&2
fi

make
make install PREFIX=/usr/local

# The shipped default configuration, only where none exists yet.
if [ ! -e /etc/dfwgen/dfwgen.ini ] && [ ! -e /etc/dfwgen/rules.d ]; then
	install -d /etc/dfwgen/rules.d
	install -m 0644 rules.d/*.ini /etc/dfwgen/rules.d/
	echo "install.sh: installed the default configuration in /etc/dfwgen/rules.d"
fi

# Prove the installed binary does its main job on the installed configuration.
# --live none: an installer reads no firewall state.
/usr/local/sbin/dfwgen --live none >/dev/null
echo "install.sh: dfwgen $(/usr/local/sbin/dfwgen --version | cut -d' ' -f2) is installed; run 'dfwgen' to print the ruleset"
