#!/usr/bin/env bats
# sanitized: no (needs root and network namespaces; its dfwgen runs as root, unsanitized)
# A two-node Docker Swarm of real daemons (Debian 12's docker.io 20.10), each
# confined to a test namespace, linked to each other over 198.18.0.0/24, with
# dfwgen in force on both (tests/docker_helper.bash). Proves that unencrypted
# overlay traffic (plain VXLAN) between the nodes passes through dfwgen's
# rules, and only through them, and that a service published in host mode is
# filtered by its published port. The routing mesh (ingress) needs IPVS, which
# this kernel lacks: the imitation suites cover its host rules.
# Run alone with: bats tests/real-swarm.bats (as root).

setup_file() {
	load docker_helper
	require_netns
	require_docker
	export NS_STATE="$BATS_FILE_TMPDIR" DFWT_ID="$$"
	ns_add n1
	ns_add n2
	local n1 n2
	n1=$(ns_name n1)
	n2=$(ns_name n2)
	ip -n "$n1" link add sw type veth peer name sw netns "$n2"
	ip -n "$n1" addr add 198.18.0.1/24 dev sw
	ip -n "$n2" addr add 198.18.0.2/24 dev sw
	ip -n "$n1" link set sw up
	ip -n "$n2" link set sw up
	# clients of node 1's published ports
	link_client_to n1 ct ext-t 192.0.2.10 2001:db8:2::10 192.0.2.1 2001:db8:2::1
	link_client_to n1 cu ext-u 198.51.100.20 2001:db8:51::20 198.51.100.1 2001:db8:51::1
	for DK in n1 n2; do
		start_containerd
		start_dockerd
		import_busybox
		# dfwgen first: joining the swarm must pass through its rules
		real_dfw apply "$FIXTURES/real-swarm/$DK.ini"
	done
	DK=n1 dk swarm init --advertise-addr 198.18.0.1 >/dev/null
	DK=n2 dk swarm join --advertise-addr 198.18.0.2 --token "$(DK=n1 dk swarm join-token -q worker)" 198.18.0.1:2377 >/dev/null
	DK=n1 dk network create -d overlay --attachable ov >/dev/null
}

teardown_file() {
	load docker_helper
	for DK in n2 n1; do
		dk swarm leave --force >/dev/null 2>&1 || true
		docker_daemons_down
	done
	ns_teardown
}

setup() {
	load docker_helper
	require_netns
	require_docker
}

teardown() {
	for DK in n1 n2; do
		dk rm -f sa sb >/dev/null 2>&1 || true
	done
	DK=n1 dk service rm hm >/dev/null 2>&1 || true
}

# overlay_reaches: sb on node 2 fetches from sa on node 1 over the overlay.
overlay_reaches() {
	local ip
	ip=$(DK=n1 dk inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' sa)
	DK=n2 dk run --rm --init --name sb --network ov local/busybox timeout 5 wget -q -O - "http://$ip:80/"
}

@test "both nodes joined the swarm through dfwgen's rules" {
	DK=n1 run -0 dk node ls --format '{{.Hostname}} {{.Status}}'
	[ "${#lines[@]}" -eq 2 ]
	refute_output --partial Down
	# node 1's manager port saw node 2's connection in FILTERS
	[ "$(in_ns n1 iptables -L FILTERS -v -x -n | awk '/tcp dpt:2377/ { print $1 }')" -gt 0 ]
}

@test "a container on node 2 reaches one on node 1 over the overlay, through the plain-VXLAN rule" {
	DK=n1 dk run -d --init --name sa --network ov local/busybox httpd -f -p 80 -h /www >/dev/null
	before=$(in_ns n1 iptables -L FILTERS -v -x -n | awk '/udp dpt:4789/ && !/ipsec/ { print $1 }')
	run -0 overlay_reaches
	assert_output ok
	after=$(in_ns n1 iptables -L FILTERS -v -x -n | awk '/udp dpt:4789/ && !/ipsec/ { print $1 }')
	[ "$after" -gt "$before" ]
}

@test "with the VXLAN port moved elsewhere in dfwgen's config, the overlay is cut: only dfwgen lets it through" {
	DK=n1 dk run -d --init --name sa --network ov local/busybox httpd -f -p 80 -h /www >/dev/null
	sed 's/^swarm_peers.*/&\nswarm_data_port = 4790/' "$FIXTURES/real-swarm/n1.ini" >"$BATS_TEST_TMPDIR/moved.ini"
	DK=n1 run -0 real_dfw apply "$BATS_TEST_TMPDIR/moved.ini"
	run overlay_reaches
	assert_failure
	DK=n1 run -0 real_dfw apply "$FIXTURES/real-swarm/n1.ini"
	run -0 overlay_reaches
	assert_output ok
}

@test "a service published in host mode is filtered by its published port" {
	DK=n1 dk service create --detach --name hm --mode global --publish mode=host,target=80,published=8080 \
		local/busybox httpd -f -p 80 -h /www >/dev/null 2>&1
	DK=n1 wait_published 8080
	# the task answers before it is probed from outside: from n1 itself
	# (its own traffic is DNATed in OUTPUT, past no filter of dfwgen's)
	wait_for 300 in_ns n1 socat -u /dev/null "TCP:192.0.2.1:8080,connect-timeout=1"
	wait_for 300 in_ns n1 socat -u /dev/null "TCP:[2001:db8:2::1]:8080,connect-timeout=1"
	assert_equal "$(probe ct 192.0.2.1 8080)" open
	assert_equal "$(probe cu 198.51.100.1 8080)" filtered
	assert_equal "$(probe ct 2001:db8:2::1 8080)" open
	assert_equal "$(probe cu 2001:db8:51::1 8080)" filtered
	DK=n1 run -0 real_dfw status "$FIXTURES/real-swarm/n1.ini"
}
