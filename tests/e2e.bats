#!/usr/bin/env bats
# sanitized: no (needs root and network namespaces; its dfwgen runs as root, unsanitized)
# End-to-end: dfwgen's output in a real kernel, probed with real TCP
# connections through a simulated Docker host (tests/e2e_helper.bash).
# Run alone with: bats tests/e2e.bats (as root).

setup_file() {
	load e2e_helper
	harness_up
}

teardown_file() {
	load e2e_helper
	harness_down
}

setup() {
	load e2e_helper
	require_netns
}

TRUSTED_MATRIX="co -> app = open
co -> db = open
co -> ssh = open
co -> unpublished = open
co -> web = open
ct -> app = open
ct -> db = open
ct -> ssh = open
ct -> unpublished = open
ct -> web = open
cu -> app = filtered
cu -> db = filtered
cu -> ssh = open
cu -> unpublished = filtered
cu -> web = filtered"

@test "without dfwgen every published port is open to everyone (the hole we close)" {
	reset_firewall le27
	run -0 matrix 4
	assert_line "cu -> web = open"
	assert_line "cu -> db = open"
	assert_line "cu -> unpublished = open"
}

@test "1: the trusted set reaches everything, SSH is public, untrusted reaches only SSH" {
	reset_firewall le27
	apply "$FIXTURES/e2e/trusted.ini"
	run -0 matrix 4
	assert_output "$TRUSTED_MATRIX"
}

@test "2: dev.to: the client reaches app by the published port 8081 and nothing else" {
	reset_firewall le27
	apply "$FIXTURES/e2e/devto.ini"
	run -0 matrix 4
	assert_output "co -> app = filtered
co -> db = filtered
co -> ssh = open
co -> unpublished = filtered
co -> web = filtered
ct -> app = open
ct -> db = filtered
ct -> ssh = open
ct -> unpublished = filtered
ct -> web = filtered
cu -> app = filtered
cu -> db = filtered
cu -> ssh = open
cu -> unpublished = filtered
cu -> web = filtered"
}

@test "one [port] section for several published ports: each opens to its allowlist only" {
	printf '[docker]\nsubnets = 172.17.0.0/16, fd00:dead:beef::/64\n[host]\ntcp = 22\n[port office]\nport = 8000, 5432\nallow = 203.0.113.30, 2001:db8:113::30\n' \
		>"$BATS_TEST_TMPDIR/two.ini"
	reset_firewall le27
	apply "$BATS_TEST_TMPDIR/two.ini"
	run -0 matrix 4
	assert_output "co -> app = filtered
co -> db = open
co -> ssh = open
co -> unpublished = filtered
co -> web = open
ct -> app = filtered
ct -> db = filtered
ct -> ssh = open
ct -> unpublished = filtered
ct -> web = filtered
cu -> app = filtered
cu -> db = filtered
cu -> ssh = open
cu -> unpublished = filtered
cu -> web = filtered"
	run -0 matrix 6
	assert_line "co -> web = open"
	assert_line "co -> db = open"
	assert_line "ct -> web = filtered"
}

@test "[set] interfaces: the office reaches the published ports only through its own interface" {
	printf '[docker]\nsubnets = 172.17.0.0/16, fd00:dead:beef::/64\n[set office]\nentries = 203.0.113.30, 2001:db8:113::30\ninterfaces = %s\n[host]\ntcp = 22\n[containers]\nallow = office\n' \
		ext-o >"$BATS_TEST_TMPDIR/own.ini"
	reset_firewall le27
	apply "$BATS_TEST_TMPDIR/own.ini"
	assert_equal "$(probe co 203.0.113.1 8000)" open
	assert_equal "$(probe co 2001:db8:113::1 8000)" open
	assert_equal "$(probe ct 192.0.2.1 8000)" filtered
	# the same addresses, allowed only on another interface: filtered
	sed 's/^interfaces = ext-o$/interfaces = ext-t/' "$BATS_TEST_TMPDIR/own.ini" >"$BATS_TEST_TMPDIR/other.ini"
	apply "$BATS_TEST_TMPDIR/other.ini"
	assert_equal "$(probe co 203.0.113.1 8000)" filtered
	assert_equal "$(probe co 2001:db8:113::1 8000)" filtered
}

@test "[limit]: a source above the rate of new connections is cut off, others are not" {
	printf '[docker]\nsubnets = 172.17.0.0/16, fd00:dead:beef::/64\n[host]\ntcp = ssh\n[containers]\ntcp = 8000\n[limit ssh]\nport = ssh\nrate = 3/minute\n[limit web]\nscope = containers\nport = 8000\nrate = 2/minute\n' \
		>"$BATS_TEST_TMPDIR/limit.ini"
	reset_firewall le27
	apply "$BATS_TEST_TMPDIR/limit.ini"
	local i
	for i in 1 2 3; do
		assert_equal "$(probe cu 198.51.100.1 22)" open
	done
	assert_equal "$(probe cu 198.51.100.1 22)" filtered
	# per source address: another client is not affected
	assert_equal "$(probe ct 192.0.2.1 22)" open
	# a published port, in both the guard and DOCKER-USER: counted once each
	for i in 1 2; do
		assert_equal "$(probe co 203.0.113.1 8000)" open
	done
	assert_equal "$(probe co 203.0.113.1 8000)" filtered
	assert_equal "$(probe cu 198.51.100.1 8000)" open
}

@test "[egress]: containers reach outside only what an [egress] section allows, each other still, both Docker layouts" {
	printf '[docker]\nsubnets = 172.17.0.0/16, fd00:dead:beef::/64\n[host]\ntcp = 22\n[containers]\nallow = 192.0.2.10\n[egress ct]\nto = 192.0.2.10\nport = 7000\n' \
		>"$BATS_TEST_TMPDIR/egress.ini"
	printf '[docker]\nsubnets = 172.17.0.0/16, fd00:dead:beef::/64\n[host]\ntcp = 22\n' >"$BATS_TEST_TMPDIR/open.ini"
	local layout
	for layout in le27 ge28; do
		reset_firewall $layout
		apply "$BATS_TEST_TMPDIR/egress.ini"
		# allowed: the client's 7000 over IPv4
		assert_equal "$(probe app 192.0.2.10 7000)" open
		# not allowed: the same client over IPv6 (no [egress] for it), another port of it
		assert_equal "$(probe app 2001:db8:2::10 7000)" filtered
		assert_equal "$(probe app 192.0.2.10 7001)" filtered
		# containers still reach each other and the host
		assert_equal "$(probe web 172.17.0.3 5432)" open
		assert_equal "$(probe web 172.17.0.1 22)" open
		# and clients still reach the published ports the config lets them
		assert_equal "$(probe ct 192.0.2.1 8000)" open
		# without [egress], the outside is open to containers again
		apply "$BATS_TEST_TMPDIR/open.ini"
		assert_equal "$(probe app 2001:db8:2::10 7000)" open
	done
}

@test "3: containers reach each other, the host over docker0, and the outside" {
	for layout in le27 ge28; do
		reset_firewall $layout
		apply "$FIXTURES/e2e/devto.ini"
		assert_equal "$(probe web 172.17.0.3 5432)" open
		assert_equal "$(probe web 172.17.0.4 8080)" open
		assert_equal "$(probe web 172.17.0.1 22)" open
		assert_equal "$(probe db 172.17.0.1 9999)" open
		assert_equal "$(probe app 192.0.2.10 7000)" open
		assert_equal "$(probe web fd00:dead:beef::1 9999)" open
		assert_equal "$(probe app 2001:db8:2::10 7000)" open
	done
}

@test "4: a Docker restart keeps the matrix, in both Docker layouts" {
	for layout in le27 ge28; do
		reset_firewall $layout
		apply "$FIXTURES/e2e/trusted.ini"
		docker_restart
		run -0 in_ns host iptables -S FORWARD 1
		assert_output '-A FORWARD -j DOCKER-USER'
		run -0 matrix 4
		assert_output "$TRUSTED_MATRIX"
		run -0 matrix 6
		assert_output "$TRUSTED_MATRIX"
	done
}

@test "4: protection does not depend on where Docker leaves dfwgen's FORWARD jump" {
	for layout in le27 ge28; do
		reset_firewall $layout
		apply "$FIXTURES/e2e/trusted.ini"
		# what Docker 20.10 does to IPv6 on a restart: its rules first, ours below
		for fam in iptables ip6tables; do
			in_ns host "$fam" -D FORWARD -j DOCKER-USER
			in_ns host "$fam" -A FORWARD -j DOCKER-USER
		done
		run -0 matrix 4
		assert_output "$TRUSTED_MATRIX"
		run -0 matrix 6
		assert_output "$TRUSTED_MATRIX"
		# the guard in mangle FORWARD did it: its DROP counted the probes
		[ "$(counter DFWGEN-FORWARD DROP iptables mangle)" -gt 0 ]
		[ "$(counter DFWGEN-FORWARD DROP ip6tables mangle)" -gt 0 ]
	done
}

@test "4: re-running dfwgen and re-applying three times leaves iptables-save byte-identical" {
	for layout in le27 ge28; do
		reset_firewall $layout
		for round in 1 2 3; do
			apply "$FIXTURES/e2e/trusted.ini"
			in_ns host iptables-save | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//' >"$BATS_TEST_TMPDIR/save.$round"
			in_ns host ip6tables-save | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//' >"$BATS_TEST_TMPDIR/save6.$round"
		done
		run -0 diff "$BATS_TEST_TMPDIR/save.1" "$BATS_TEST_TMPDIR/save.3"
		run -0 diff "$BATS_TEST_TMPDIR/save6.1" "$BATS_TEST_TMPDIR/save6.3"
		run -0 grep -c -e '-j FILTERS$' "$BATS_TEST_TMPDIR/save.3"
		assert_output 1
		run -0 grep -c -e '-A FORWARD -j DOCKER-USER$' "$BATS_TEST_TMPDIR/save.3"
		assert_output 1
	done
}

@test "4: after a Docker restart re-applying restores the exact same ruleset" {
	reset_firewall le27
	apply "$FIXTURES/e2e/trusted.ini"
	in_ns host iptables-save -t filter | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//' >"$BATS_TEST_TMPDIR/before"
	docker_restart
	apply "$FIXTURES/e2e/trusted.ini"
	in_ns host iptables-save -t filter | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//' >"$BATS_TEST_TMPDIR/after"
	run -0 diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
}

@test "5: narrowing the trusted set shuts a client out at once, others unaffected" {
	reset_firewall le27
	apply "$FIXTURES/e2e/trusted.ini"
	assert_equal "$(probe co 203.0.113.1 8000)" open
	sed 's#, 203.0.113.0/24##; s#, 2001:db8:113::/64##' "$FIXTURES/e2e/trusted.ini" >"$BATS_TEST_TMPDIR/narrow.ini"
	# the sets are replaced while the rules reference them: it must not fail
	mkdir -p "$BATS_TEST_TMPDIR/empty"
	run -0 --separate-stderr in_ns host "$DFWGEN" ipsets -t "$TEMPLATES" -c "$BATS_TEST_TMPDIR/narrow.ini" -d "$BATS_TEST_TMPDIR/empty"
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/narrow.sets"
	run -0 in_ns host ipset restore -f "$BATS_TEST_TMPDIR/narrow.sets"
	assert_equal "$(probe co 203.0.113.1 8000)" filtered
	assert_equal "$(probe co 203.0.113.1 9999)" filtered
	assert_equal "$(probe co 203.0.113.1 22)" open
	assert_equal "$(probe ct 192.0.2.1 8000)" open
	assert_equal "$(probe ct 192.0.2.1 9999)" open
}

@test "6: IPv6 gives the same matrix, with neighbour discovery still working" {
	reset_firewall le27
	apply "$FIXTURES/e2e/trusted.ini"
	# forget every neighbour: the probes below need NDP through the new rules
	for ns in host ct co cu web db app; do in_ns "$ns" ip -6 neigh flush all; done
	run -0 matrix 6
	assert_output "$TRUSTED_MATRIX"
	run -0 in_ns host ip -6 neigh show dev ext-t
	assert_output --partial '2001:db8:2::10'
}

@test "6: with icmp = no, IPv6 neighbour discovery still works" {
	reset_firewall ge28
	printf '[host]\ntcp = 22\nicmp = no\n' >"$BATS_TEST_TMPDIR/noicmp.ini"
	apply "$BATS_TEST_TMPDIR/noicmp.ini"
	for ns in host cu; do in_ns "$ns" ip -6 neigh flush all; done
	assert_equal "$(probe cu 2001:db8:51::1 22)" open
	assert_equal "$(probe cu 2001:db8:51::1 9999)" filtered
}

@test "7: Swarm: the cluster ports are open to the peer and closed to others" {
	reset_firewall le27
	listen host 2377
	listen host 7946
	apply "$FIXTURES/e2e/swarm.ini"
	assert_equal "$(probe ct 192.0.2.1 2377)" open
	assert_equal "$(probe ct 192.0.2.1 7946)" open
	assert_equal "$(probe cu 198.51.100.1 2377)" filtered
	assert_equal "$(probe cu 198.51.100.1 7946)" filtered
	assert_equal "$(probe co 203.0.113.1 2377)" filtered
	# UDP 7946 (gossip) from the peer is accepted, from others dropped: counters tell
	before=$(counter FILTERS 'udp dpt:7946')
	in_ns ct socat -u - UDP:192.0.2.1:7946 <<<"ping"
	in_ns cu socat -u - UDP:198.51.100.1:7946 <<<"ping"
	assert_equal "$(counter FILTERS 'udp dpt:7946')" "$((before + 1))"
	# plain VXLAN (unencrypted overlays, ingress) from the peer is accepted,
	# from others it meets the final action
	plain_vxlan() { in_ns host iptables -L FILTERS -v -x -n | awk '/udp dpt:4789/ && !/ipsec/ { print $1 }'; }
	before=$(plain_vxlan)
	drops=$(counter FILTERS '[global] action')
	in_ns ct socat -u - UDP:192.0.2.1:4789 <<<"vxlan"
	in_ns ct socat -u - UDP:192.0.2.1:4789 <<<"vxlan"
	in_ns cu socat -u - UDP:198.51.100.1:4789 <<<"vxlan"
	assert_equal "$(plain_vxlan)" "$((before + 2))"
	assert_equal "$(counter FILTERS '[global] action')" "$((drops + 1))"
	# ipsec-protected VXLAN from the peers is the chain's first rule
	run -0 in_ns host iptables -S FILTERS 1
	assert_output '-A FILTERS -s 192.0.2.10/32 -p udp -m policy --dir in --pol ipsec -m udp --dport 4789 -m comment --comment "dfwgen: [docker] swarm_peers" -j RETURN'
}

@test "8: log = yes: a refused probe increments the LOG rule's counter" {
	reset_firewall le27
	apply "$FIXTURES/e2e/log.ini"
	before=$(counter FILTERS 'LOG')
	assert_equal "$(probe cu 198.51.100.1 9999)" filtered
	[ "$(counter FILTERS 'LOG')" -gt "$before" ]
	# published ports are refused (and logged) by the guard in mangle FORWARD,
	# which runs before DOCKER-USER
	before=$(counter DFWGEN-FORWARD 'LOG' iptables mangle)
	assert_equal "$(probe cu 198.51.100.1 8000)" filtered
	[ "$(counter DFWGEN-FORWARD 'LOG' iptables mangle)" -gt "$before" ]
}

@test "a packet from outside with a container's source address is not returned to Docker" {
	reset_firewall le27
	apply "$FIXTURES/e2e/devto.ini" # [docker] subnets = 172.17.0.0/16, fd00:dead:beef::/64
	# cu sends from 172.17.0.99 to the published 5432; db counts what arrives
	in_ns db iptables -F INPUT
	in_ns db iptables -A INPUT -s 172.17.0.99 -p tcp --dport 5432
	in_ns cu ip addr add 172.17.0.99/32 dev eth0
	in_ns cu timeout 3 socat -T1 -u /dev/null TCP:198.51.100.1:5432,bind=172.17.0.99,connect-timeout=1 || true
	in_ns cu ip addr del 172.17.0.99/32 dev eth0
	run -0 in_ns db iptables -L INPUT -v -x -n
	[ "$(in_ns db iptables -L INPUT -v -x -n | awk '/172.17.0.99/ { print $1 }')" = 0 ]
	# the guard dropped it (the subnets RETURN once counted it)
	[ "$(counter DFWGEN-FORWARD 'DROP' iptables mangle)" -gt 0 ]
}
