#!/usr/bin/env bats
# sanitized: no (needs root and network namespaces; its dfwgen runs as root, unsanitized)
# The golden outputs loaded into a real kernel: ipset restore, then
# iptables-restore --noflush / ip6tables-restore --noflush, in a network
# namespace the test creates (never the machine's own).

setup() {
	load test_helper
	load netns_helper
	require_netns
	mkdir -p "$BATS_TEST_TMPDIR/empty"
	ns_add host
}

teardown() { ns_teardown; }

# load_golden DIR: sets, then both families' rules; asserts each step succeeds.
load_golden() {
	local dir="$GOLDEN/$1"
	run -0 in_ns host ipset restore -f "$dir/ipsets"
	if [ -f "$dir/live.v4" ]; then
		run -0 in_ns host iptables-restore "$dir/live.v4"
	fi
	run -0 in_ns host iptables-restore --test --noflush "$dir/rules.v4"
	run -0 in_ns host iptables-restore --noflush "$dir/rules.v4"
	if [ -f "$dir/rules.v6" ]; then
		run -0 in_ns host ip6tables-restore --noflush "$dir/rules.v6"
	fi
}

# The host's filter table, without counters and comments, for comparisons.
saved() { in_ns host "${1:-iptables}-save" -t filter | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//'; }

@test "the guard refuses to run anything in the machine's own namespace" {
	run -99 --separate-stderr "$BATS_TEST_DIRNAME/ns-guard" iptables -F
	assert_equal "$stderr" "ns-guard: refusing to run outside a dfwt-* test namespace: iptables -F"
	run -0 in_ns host true
}

@test "every golden output loads into a real kernel, IPv4 and IPv6" {
	local dir g n=0
	for dir in "$GOLDEN"/*/; do
		g=$(basename "$dir")
		n=$((n + 1))
		load_golden "$g"
		run -0 in_ns host iptables-save -t filter
		assert_line '-A INPUT -j FILTERS'
		assert_line '-A FORWARD -j DOCKER-USER'
		run -0 in_ns host iptables-save -t mangle
		assert_line '-A FORWARD -j DFWGEN-FORWARD'
		for tool in iptables ip6tables; do
			for table in filter mangle; do
				in_ns host "$tool" -t "$table" -F
				in_ns host "$tool" -t "$table" -X
			done
		done
		run -0 in_ns host ipset destroy
	done
	[ "$n" -ge 5 ]
}

@test "the repaired live ruleset has exactly one jump each, first, and Docker's rules intact" {
	load_golden live-repair
	run -0 bash -c "grep -e '^-A INPUT' <<<\"\$0\" | head -1" "$(saved)"
	assert_output '-A INPUT -j FILTERS'
	run -0 grep -c -e '-j FILTERS$' <<<"$(saved)"
	assert_output 1
	run -0 saved
	assert_line '-A INPUT -p udp -m udp --dport 4789 -m policy --dir in --pol none -j DROP'
	run -0 bash -c "grep -e '^-A FORWARD' <<<\"\$0\" | head -1" "$output"
	assert_output '-A FORWARD -j DOCKER-USER'
	run -0 saved
	assert_line '-A DOCKER-ISOLATION-STAGE-1 -j RETURN'
	assert_line ':FORWARD DROP '
}

@test "applying the generated output again changes nothing (byte-identical iptables-save)" {
	c="$GOLDEN/ryandaniels/dfwgen.ini"
	run -0 in_ns host ipset restore -f "$GOLDEN/ryandaniels/ipsets"
	for round in 1 2 3; do
		in_ns host iptables-save >"$BATS_TEST_TMPDIR/live"
		in_ns host ip6tables-save >"$BATS_TEST_TMPDIR/live6"
		dfw -c "$c" -d "$BATS_TEST_TMPDIR/empty" --live "$BATS_TEST_TMPDIR/live" >"$BATS_TEST_TMPDIR/r4"
		dfw -6 -c "$c" -d "$BATS_TEST_TMPDIR/empty" --live "$BATS_TEST_TMPDIR/live6" >"$BATS_TEST_TMPDIR/r6"
		run -0 in_ns host iptables-restore --noflush "$BATS_TEST_TMPDIR/r4"
		run -0 in_ns host ip6tables-restore --noflush "$BATS_TEST_TMPDIR/r6"
		saved >"$BATS_TEST_TMPDIR/save.$round"
		saved ip6tables >"$BATS_TEST_TMPDIR/save6.$round"
	done
	run -0 diff "$BATS_TEST_TMPDIR/save.2" "$BATS_TEST_TMPDIR/save.3"
	run -0 diff "$BATS_TEST_TMPDIR/save.1" "$BATS_TEST_TMPDIR/save.2"
	run -0 diff "$BATS_TEST_TMPDIR/save6.1" "$BATS_TEST_TMPDIR/save6.3"
	# from round 2 on the file holds no -I/-D: the live jumps are already right
	run -1 grep -E '^-[ID] ' "$BATS_TEST_TMPDIR/r4"
}

@test "reloading the ipset file while rules reference the sets never fails" {
	load_golden ryandaniels
	for i in 1 2 3; do
		run -0 in_ns host ipset restore -f "$GOLDEN/ryandaniels/ipsets"
	done
	run -0 in_ns host ipset list dfw-ip_allow-4
	assert_line '192.0.2.123'
	assert_line 'Number of entries: 3'
	run -0 in_ns host ipset list -n
	refute_output --partial '.n'
}


@test "a set that grows is re-created with a bigger hashsize, which -exist accepts" {
	local cfg=$BATS_TEST_TMPDIR/grow.ini
	printf '[set big]\nentries = 10.0.0.1\n[host]\ntcp = 22\n[containers]\nallow = big\n' >"$cfg"
	run -0 dfw ipsets -c "$cfg" -d "$BATS_TEST_TMPDIR/empty"
	assert_line 'create dfw-big-4 hash:net family inet hashsize 1024 maxelem 65536 -exist'
	run -0 in_ns host ipset restore <<<"$output"
	seq 1 5000 | awk '{ printf "10.%d.%d.1\n", $1 / 256, $1 % 256 }' >"$BATS_TEST_TMPDIR/list"
	printf '[set big]\nfile = list\n[host]\ntcp = 22\n[containers]\nallow = big\n' >"$cfg"
	run -0 dfw ipsets -c "$cfg" -d "$BATS_TEST_TMPDIR/empty"
	assert_line 'create dfw-big-4 hash:net family inet hashsize 2048 maxelem 65536 -exist'
	run -0 in_ns host ipset restore <<<"$output"
	run -0 in_ns host ipset list -t dfw-big-4
	assert_line 'Number of entries: 5000'
}
@test "dfwgen as root reads the namespace's own ruleset when --live is not given" {
	load_golden live-repair
	run -0 in_ns host "$DFWGEN" -t "$TEMPLATES" -c "$GOLDEN/live-repair/dfwgen.ini" -d "$BATS_TEST_TMPDIR/empty"
	refute_output --partial '-I INPUT'
	refute_output --partial '-D INPUT'
}
