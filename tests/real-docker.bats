#!/usr/bin/env bats
# The real Docker daemon (Debian 12's docker.io 20.10) inside a network
# namespace, dfwgen applied around it, probed with real TCP over IPv4 and IPv6
# (tests/docker_helper.bash). Run alone with: bats tests/real-docker.bats (root).

setup_file() {
	load docker_helper
	docker_host_up
}

teardown_file() {
	load docker_helper
	docker_host_down
}

setup() {
	load docker_helper
	require_netns
	require_docker
}

SEED004="ct -> db = filtered
ct -> ssh = open
ct -> web = open
cu -> db = filtered
cu -> ssh = open
cu -> web = filtered"

SEED001="ct -> db = open
ct -> ssh = open
ct -> web = open
cu -> db = filtered
cu -> ssh = open
cu -> web = filtered"

@test "without dfwgen the real daemon's published ports are open to everyone, v4 and v6" {
	run -0 real_matrix 4
	assert_line "cu -> web = open"
	assert_line "cu -> db = open"
	run -0 real_matrix 6
	assert_line "cu -> web = open"
	assert_line "cu -> db = open"
}

@test "seed 004: only the allowed client reaches the published 8000, both families" {
	run -0 real_apply "$FIXTURES/real-docker/seed004.ini"
	run -0 real_matrix 4
	assert_output "$SEED004"
	run -0 real_matrix 6
	assert_output "$SEED004"
	run real_status "$FIXTURES/real-docker/seed004.ini"
	assert_success
}

@test "a daemon restart with no dfwgen action in between: the matrix holds in both families" {
	run -0 real_apply "$FIXTURES/real-docker/seed004.ini"
	stop_dockerd
	start_dockerd
	# as soon as the API answers again
	run -0 real_matrix 4
	assert_output "$SEED004"
	run -0 real_matrix 6
	assert_output "$SEED004"
	# and again once the containers are back and published
	wait_published 8000 5432
	run -0 real_matrix 4
	assert_output "$SEED004"
	run -0 real_matrix 6
	assert_output "$SEED004"
	run real_status "$FIXTURES/real-docker/seed004.ini"
	assert_success
}
