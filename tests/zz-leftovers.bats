#!/usr/bin/env bats
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
