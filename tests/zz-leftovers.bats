#!/usr/bin/env bats
# sanitized: no (runs once, last, after every suite)
# Runs last (bats takes files in name order): the namespace suites left nothing
# behind — no test namespace, and so no rule, set or listener of theirs.

setup() { load test_helper; }

@test "no test network namespace is left behind" {
	[ "$(id -u)" -eq 0 ] || skip "the namespace suites run as root only"
	run -0 bash -c 'ip netns list | grep "^dfwt-" || true'
	assert_output ""
}

@test "no listener started by the suites is still running" {
	run -0 bash -c 'pgrep -af "^socat TCP6-LISTEN" || true'
	assert_output ""
}

@test "no sshd started by the Ansible suite is left" {
	run -0 bash -c 'pgrep -af "[s]shd -D -e -f .*/h[0-9]/sshd_config" || true'
	assert_output ""
}

@test "no Docker daemon, container or cgroup started by the real-Docker suite is left" {
	run -0 bash -c 'pgrep -af -- "[-]-cgroup-parent /dfwt-|[c]ontainerd --config .*/docker-[a-z0-9]*/containerd.toml" || true'
	assert_output ""
	run -0 bash -c 'ls -d /sys/fs/cgroup/*/dfwt-* /sys/fs/cgroup/dfwt-* 2>/dev/null || true'
	assert_output ""
}

@test "no Docker state in the machine's own namespace: no docker0, nothing in /run or /var/lib" {
	# a Docker the machine runs itself may own these; the suites' daemons never do
	if pgrep -x dockerd >/dev/null && ! pgrep -f -- '[-]-cgroup-parent /dfwt-' >/dev/null; then
		skip "this machine runs a Docker daemon of its own"
	fi
	run -0 bash -c 'ls -d /run/docker /run/containerd /run/docker.sock /var/lib/docker 2>/dev/null || true'
	assert_output ""
	run -0 bash -c 'ip -o link show docker0 2>/dev/null || true'
	assert_output ""
}
