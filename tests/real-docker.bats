#!/usr/bin/env bats
# sanitized: no (needs root and network namespaces; its dfwgen runs as root, unsanitized)
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

# what a test added, gone even when it failed half-way
teardown() {
	dk rm -f extra squatter >/dev/null 2>&1 || true
	dk network rm dfwtnet >/dev/null 2>&1 || true
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
	# as soon as the API answers again and the containers serve (no dfwgen
	# action in between; the DNAT rules may still be coming)
	wait_serving web 80
	wait_serving db 5432
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
	# Docker re-appended its -j RETURN to DOCKER-USER and put its IPv6 rules
	# above our jump: neither is drift, and neither is a finding of check
	run -0 in_ns host iptables -S DOCKER-USER
	assert_line '-A DOCKER-USER -j RETURN'
	run real_status "$FIXTURES/real-docker/seed004.ini"
	assert_success
	in_ns host iptables-save -t filter >"$BATS_TEST_TMPDIR/dump.v4"
	run "$DFWGEN" check --full "$BATS_TEST_TMPDIR/dump.v4"
	refute_output --partial 'unreachable-rule'
}

@test "seed 001: the trusted set reaches every published port; status in sync" {
	run -0 real_apply "$FIXTURES/real-docker/seed001.ini"
	run -0 real_matrix 4
	assert_output "$SEED001"
	run -0 real_matrix 6
	assert_output "$SEED001"
	run -0 real_status "$FIXTURES/real-docker/seed001.ini"
}

@test "docker network create, and a container on it: filtered like the rest, status in sync" {
	run -0 real_apply "$FIXTURES/real-docker/seed001.ini"
	dk network create --ipv6 --subnet fd00:d0d::/64 dfwtnet >/dev/null
	run_web extra 8001 80 --network dfwtnet
	wait_published 8001
	wait_serving extra 80
	for fam in 4 6; do
		if [ $fam = 4 ]; then a=HOST_ADDR4; else a=HOST_ADDR6; fi
		declare -n addr=$a
		assert_equal "$(probe ct "${addr[ct]}" 8001)" open
		assert_equal "$(probe cu "${addr[cu]}" 8001)" filtered
	done
	# the new bridge is br-<id>: Docker-internal by the default br-+, so the
	# container still reaches the outside world
	listen ct 7000
	wait_for 30 in_ns ct ss -Hltn 'sport = :7000'
	run -0 dk exec extra nc -w 2 192.0.2.10 7000 </dev/null
	run -0 real_status "$FIXTURES/real-docker/seed001.ini"
}

@test "[port] with two ports and [egress], with the real daemon: both families, status in sync" {
	printf '[docker]\nsubnets = 172.17.0.0/16, fd00:d0c::/64\n[host]\ntcp = 22\n[port ct]\nport = 8000, 5432\nallow = 192.0.2.10, 2001:db8:2::10\n[egress ct]\nto = 192.0.2.10\nport = 7000\n' \
		>"$BATS_TEST_TMPDIR/egress.ini"
	run -0 real_apply "$BATS_TEST_TMPDIR/egress.ini"
	run -0 real_matrix 4
	assert_output "$SEED001"
	run -0 real_matrix 6
	assert_output "$SEED001"
	# the containers reach the one destination [egress] allows, and not another
	listen ct 7000
	listen cu 7000
	wait_for 30 in_ns ct ss -Hltn 'sport = :7000'
	wait_for 30 in_ns cu ss -Hltn 'sport = :7000'
	run -0 dk exec web nc -w 2 192.0.2.10 7000 </dev/null
	run dk exec web nc -w 2 198.51.100.20 7000 </dev/null
	assert_failure
	run -0 real_status "$BATS_TEST_TMPDIR/egress.ini"
}

@test "a container restarted with a new address: the rules follow the published port" {
	run -0 real_apply "$FIXTURES/real-docker/seed004.ini"
	old=$(dk inspect -f '{{.NetworkSettings.IPAddress}}' web)
	dk stop web >/dev/null
	# another container takes web's address meanwhile
	dk run -d --init --name squatter local/busybox sleep 600 >/dev/null
	dk start web >/dev/null
	wait_published 8000
	wait_serving web 80
	new=$(dk inspect -f '{{.NetworkSettings.IPAddress}}' web)
	[ "$old" != "$new" ]
	run -0 real_matrix 4
	assert_output "$SEED004"
	run -0 real_matrix 6
	assert_output "$SEED004"
	run -0 real_status "$FIXTURES/real-docker/seed004.ini"
}

@test "the container's port instead of the published one is a warning naming what the daemon publishes" {
	printf '[host]\ntcp = 22\n[port web]\nport = 80\nallow = 192.0.2.10\n' >"$BATS_TEST_TMPDIR/advice.ini"
	run -0 --separate-stderr real_apply "$BATS_TEST_TMPDIR/advice.ini"
	[[ "$stderr" == *"[port web] 80 is a container's port, not a published one: nothing is published on 80 here; 8000 -> 172.17.0."*":80 is (name the published port: 8000) [not-published]"* ]]
}
