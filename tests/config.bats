#!/usr/bin/env bats
# The configuration contract: every key, the merge rules, every error path.

setup() { load test_helper; }

# ---- [global] ----

@test "family = ipv4 generates IPv4 and refuses to generate IPv6" {
	c=$(cfg c.ini <<<$'[global]\nfamily = ipv4\n[host]\ntcp = 22')
	run -0 dfwc "$c"
	assert_output --partial '-I INPUT 1 -j FILTERS'
	run -2 --separate-stderr dfwc "$c" -6
	assert_equal "$output" ""
	assert_equal "$stderr" "dfwgen: error: [global] family leaves IPv6 out: nothing to generate [family-off]"
}

@test "family = ipv4 warns about IPv6 entries it leaves out" {
	c=$(cfg c.ini <<<$'[global]\nfamily = ipv4\n[set t]\nentries = 192.0.2.1, 2001:db8::1\n[host]\ntcp = 22\nallow = t')
	run -0 --separate-stderr dfwc "$c" ipsets
	assert_line 'add dfw-t-4.n 192.0.2.1 -exist'
	refute_output --partial 'dfw-t-6'
	[[ "$stderr" == *"c.ini:4:22: warning: this IPv6 address is ignored: [global] family leaves IPv6 out [family-ignored]"* ]]
}

@test "action = reject uses the right reject type per family" {
	c=$(cfg c.ini <<<$'[global]\naction = reject\n[host]\ntcp = 22')
	run -0 dfwc "$c"
	assert_line '-A FILTERS -m comment --comment "dfwgen: [global] action" -j REJECT --reject-with icmp-port-unreachable'
	run -0 dfwc "$c" -6
	assert_line '-A FILTERS -m comment --comment "dfwgen: [global] action" -j REJECT --reject-with icmp6-port-unreachable'
}

@test "an unknown action is rejected with the choices" {
	c=$(cfg c.ini <<<$'[global]\naction = deny\n[host]\ntcp = 22')
	run -2 --separate-stderr dfwc "$c"
	assert_equal "$output" ""
	[[ "$stderr" == *"c.ini:2:10: error: expected drop | reject, got 'deny' [bad-value]"* ]]
}

@test "log = yes adds a rate-limited LOG with the prefix and limit just before the action" {
	c=$(cfg c.ini <<<$'[global]\nlog = yes\nlog_prefix = "fw-drop: "\nlog_limit = 10/second\n[host]\ntcp = 22')
	run -0 dfwc "$c"
	assert_line '-A FILTERS -m limit --limit 10/second -m comment --comment "dfwgen: [global] log" -j LOG --log-prefix "fw-drop: "'
	assert_line '-A DOCKER-USER -m limit --limit 10/second -m comment --comment "dfwgen: [global] log" -j LOG --log-prefix "fw-drop: "'
	# LOG is the rule right before the final action
	run -0 bash -c "\"$DFWGEN\" -t \"$TEMPLATES\" -c \"$c\" -d \"$BATS_TEST_TMPDIR\" --live none | grep -A1 -- '-A FILTERS.*-j LOG' | tail -1"
	assert_output --partial '"dfwgen: [global] action" -j DROP'
}

@test "log = no (the default) writes no LOG rule" {
	c=$(cfg c.ini <<<$'[host]\ntcp = 22')
	run -0 dfwc "$c"
	refute_output --partial '-j LOG'
}

@test "a log_prefix longer than 29 characters is refused" {
	c=$(cfg c.ini <<<$'[global]\nlog_prefix = "this prefix is far too long for LOG"\n[host]\ntcp = 22')
	run -2 --separate-stderr dfwc "$c"
	[[ "$stderr" == *"c.ini:2:14: error: log_prefix is 35 characters long; at most 29 [bad-value]"* ]]
}

@test "a log_prefix with a quote cannot smuggle options" {
	c=$(cfg c.ini <<<$'[global]\nlog_prefix = x" -j ACCEPT "\n[host]\ntcp = 22')
	run -2 --separate-stderr dfwc "$c"
	assert_equal "$output" ""
	[[ "$stderr" == *"error: log_prefix must not contain quotes, backslashes or control characters [bad-value]"* ]]
}

@test "a log_limit that is not a rate is refused" {
	c=$(cfg c.ini <<<$'[global]\nlog_limit = often\n[host]\ntcp = 22')
	run -2 --separate-stderr dfwc "$c"
	[[ "$stderr" == *"c.ini:2:13: error: log_limit 'often' is not a rate such as 5/minute (units: second, minute, hour, day) [bad-value]"* ]]
}

@test "ssh_port that no rule lets in is a lockout: exit 1, nothing printed" {
	c=$(cfg c.ini <<<$'[global]\nssh_port = 2222\n[host]\ntcp = 22')
	run -1 --separate-stderr dfwc "$c"
	assert_equal "$output" ""
	# located at the config line that set the port first, then the rule and its template line
	[[ "$stderr" == *"/c.ini:2:12: error: this rule drops SSH (tcp/2222) before any rule lets it in: applying it would lock you out [lockout]"* ]]
	[[ "$stderr" == *"<generated IPv4 rules>:"*": note: in the generated rule [lockout]"* ]]
	[[ "$stderr" == *"templates/host.rules:"*"note: the rule comes from this template line [lockout]"* ]]
	# with what would fix it
	[[ "$stderr" == *"note: SSH is port 2222 ([global] ssh_port): let it in with [host] tcp = 2222"* ]]
	# the error comes first
	run -0 head -1 <<<"$stderr"
	assert_output --partial "c.ini:2:12: error:"
}

@test "allow = 0.0.0.0/0 in [host] or [containers] is an error at the config line, not a dead DROP" {
	c=$(cfg c.ini <<<$'[host]\ntcp = 22\nallow = 10.0.0.1, 0.0.0.0/0\n[containers]\nallow = ::/0')
	run -2 --separate-stderr dfwc "$c"
	assert_output ''
	[[ "$stderr" == *"c.ini:3:19: error: '0.0.0.0/0' is every address: [host] allow would let anyone reach every port, and its final DROP would never match; to open ports to everyone, list them in [host] tcp/udp [allow-everyone]"* ]]
	[[ "$stderr" == *"c.ini:5:9: error: '::/0' is every address: [containers] allow"* ]]
	[[ "$stderr" != *"shadowed-rule"* ]]
	# a [port] allowlist of everyone is a public port: fine
	c=$(cfg d.ini <<<$'[host]\ntcp = 22\n[port web]\nport = 80\nallow = 0.0.0.0/0')
	run -0 dfwc "$c"
}

@test "a lockout names ssh_port for the generated rule, and the set at its own line" {
	c=$(cfg c.ini <<<$'[global]\nssh_port = 2222\n[set admins]\nentries = 127.0.0.1\n[host]\ntcp = 22\nallow = admins')
	run -1 --separate-stderr dfwc "$c"
	[[ "$stderr" == *"c.ini:2:12: error: this rule drops SSH (tcp/2222)"* ]]
	[[ "$stderr" == *"c.ini:3:1: error: set dfw-admins-4 is where SSH is let in from"* ]]
	run -0 grep -c 'SSH is port 2222' <<<"$stderr"
	assert_output 1
}

@test "a finding in a generated rule points at the config value that made it, then at the rule and template" {
	c=$(cfg c.ini <<<$'[host]
tcp = 22
[containers]
allow = 10.0.0.0/8, 10.1.0.0/16')
	run -0 --separate-stderr dfwc "$c"
	# 10.1.0.0/16 lies in 10.0.0.0/8: redundant, at its column of the allow line
	run -0 grep -c "c.ini:4:21: warning: redundant: " <<<"$stderr"
	assert_output 2
	run -0 grep -A4 -m1 "c.ini:4:21: warning: redundant: " <<<"$stderr"
	assert_line --index 1 '  allow = 10.0.0.0/8, 10.1.0.0/16'
	assert_line --index 3 --regexp '^<generated IPv4 rules>:[0-9]+: note: in the generated rule \[redundant-rule\]$'
	assert_line --index 4 --partial '-s 10.1.0.0/16 -m comment --comment "dfwgen: [containers] allow" -j RETURN'
	run -0 grep -c "containers.rules:[0-9]*: note: the rule comes from this template line \[redundant-rule\]" <<<"$stderr"
	assert_output 2
}

@test "ssh_port is satisfied by a trusted set that may reach every port" {
	c=$(cfg c.ini <<<$'[global]\nssh_port = 2222\n[set admins]\nentries = 192.0.2.9\n[host]\nallow = admins')
	run -0 dfwc "$c"
}

@test "ssh_port = 0 turns the anti-lockout check off" {
	c=$(cfg c.ini <<<$'[global]\nssh_port = 0\n[host]\ntcp = 80')
	run -0 dfwc "$c"
}

# ---- [docker] ----

@test "bridges become Docker-internal RETURNs; a source address alone returns nothing" {
	c=$(cfg c.ini <<<$'[docker]\nbridges = docker0, br-+\nsubnets = 10.10.0.0/16, fd00:dead:beef::/64\n[host]\ntcp = 22')
	run -0 dfwc "$c"
	assert_line '-A DOCKER-USER -i docker0 -m comment --comment "dfwgen: [docker] bridges" -j RETURN'
	assert_line '-A DOCKER-USER -i br-+ -m comment --comment "dfwgen: [docker] bridges" -j RETURN'
	# a packet from outside with a container's source address must meet the
	# final action: subnets never return traffic by themselves
	refute_output --partial '10.10.0.0'
	refute_output --partial 'docker_gwbridge'
	run -0 dfwc "$c" -6
	assert_line '-A DOCKER-USER -i docker0 -m comment --comment "dfwgen: [docker] bridges" -j RETURN'
	refute_output --partial 'fd00:dead:beef::'
}

@test "an interface name that could carry options is refused" {
	c=$(cfg c.ini <<<$'[docker]\nbridges = eth0 -j ACCEPT\n[host]\ntcp = 22')
	run -2 --separate-stderr dfwc "$c"
	[[ "$stderr" == *"c.ini:2:11: error: 'eth0 -j ACCEPT' is not an interface name"* ]]
}

@test "an interface name over 15 characters is refused" {
	c=$(cfg c.ini <<<$'[docker]\nexternal = averyveryverylongname\n[host]\ntcp = 22')
	run -2 --separate-stderr dfwc "$c"
	[[ "$stderr" == *"'averyveryverylongname' is not an interface name (1 to 15 letters"* ]]
}

@test "external limits the final action to those interfaces and returns the rest" {
	c=$(cfg c.ini <<<$'[docker]\nexternal = eth0, eth1\n[host]\ntcp = 22')
	run -0 dfwc "$c"
	assert_line '-A FILTERS -i eth0 -m comment --comment "dfwgen: [global] action" -j DROP'
	assert_line '-A FILTERS -i eth1 -m comment --comment "dfwgen: [global] action" -j DROP'
	assert_line '-A FILTERS -m comment --comment "dfwgen: [docker] external" -j RETURN'
	assert_line '-A DOCKER-USER -i eth0 -m comment --comment "dfwgen: [global] action" -j DROP'
	assert_line '-A DOCKER-USER -m comment --comment "dfwgen: [docker] external" -j RETURN'
}

@test "swarm = yes opens the cluster ports to the peers only, ipsec VXLAN first" {
	c=$(cfg c.ini <<<$'[docker]\nswarm = yes\nswarm_peers = 192.0.2.10, 192.0.2.11\n[host]\ntcp = 22')
	run -0 dfwc "$c"
	run -0 grep -m1 '^-A FILTERS' <<<"$output"
	assert_output '-A FILTERS -p udp -m policy --dir in --pol ipsec -m udp --dport 4789 -s 192.0.2.10/32 -m comment --comment "dfwgen: [docker] swarm_peers" -j RETURN'
	run -0 dfwc "$c"
	assert_line '-A FILTERS -p tcp -m tcp --dport 2377 -s 192.0.2.11/32 -m comment --comment "dfwgen: [docker] swarm_peers" -j ACCEPT'
	assert_line '-A FILTERS -p udp -m udp --dport 7946 -s 192.0.2.10/32 -m comment --comment "dfwgen: [docker] swarm_peers" -j ACCEPT'
	assert_line '-A FILTERS -p esp -s 192.0.2.11/32 -m comment --comment "dfwgen: [docker] swarm_peers" -j ACCEPT'
	# plain VXLAN: every unencrypted overlay, the ingress network included
	assert_line '-A FILTERS -p udp -m udp --dport 4789 -s 192.0.2.11/32 -m comment --comment "dfwgen: [docker] swarm_peers" -j ACCEPT'
}

@test "swarm_data_port and swarm_manager_port move the cluster ports Docker lets you move" {
	c=$(cfg c.ini <<<$'[docker]\nswarm = yes\nswarm_peers = 192.0.2.10\nswarm_data_port = 4790\nswarm_manager_port = 2477\n[host]\ntcp = 22')
	run -0 dfwc "$c"
	assert_line '-A FILTERS -p udp -m policy --dir in --pol ipsec -m udp --dport 4790 -s 192.0.2.10/32 -m comment --comment "dfwgen: [docker] swarm_peers" -j RETURN'
	assert_line '-A FILTERS -p udp -m udp --dport 4790 -s 192.0.2.10/32 -m comment --comment "dfwgen: [docker] swarm_peers" -j ACCEPT'
	assert_line '-A FILTERS -p tcp -m tcp --dport 2477 -s 192.0.2.10/32 -m comment --comment "dfwgen: [docker] swarm_peers" -j ACCEPT'
	refute_output --partial '4789'
	refute_output --partial '2377'
	c=$(cfg c.ini <<<$'[docker]\nswarm = yes\nswarm_data_port = 0\n[host]\ntcp = 22')
	run -2 --separate-stderr dfwc "$c"
	[[ "$stderr" == *"c.ini:3:19: error: swarm_data_port '0' must be a port, 1 to 65535 [bad-port]"* ]]
}

@test "swarm = yes without peers is a single-node swarm: no cluster port opens" {
	c=$(cfg c.ini <<<$'[docker]\nswarm = yes\n[host]\ntcp = 22')
	run -0 --separate-stderr dfwc "$c"
	refute_output --partial 'swarm_peers'
	refute_output --partial '2377'
}

@test "swarm = no (the default) writes no cluster rule even with peers listed" {
	c=$(cfg c.ini <<<$'[docker]\nswarm_peers = 192.0.2.10\n[host]\ntcp = 22')
	run -0 dfwc "$c"
	refute_output --partial '4789'
}

# ---- [set NAME] ----

@test "a set becomes one ipset per family, filled under a temporary name and swapped in" {
	c=$(cfg c.ini <<<$'[set trusted]\nentries = 198.51.100.0/24, 192.0.2.7, 2001:db8::/48\n[host]\ntcp = 22\nallow = trusted')
	run -0 dfwc "$c" ipsets
	assert_output "# [set trusted], IPv4: 2 entries
create dfw-trusted-4 hash:net family inet hashsize 1024 maxelem 65536 -exist
create dfw-trusted-4.n hash:net family inet hashsize 1024 maxelem 65536 -exist
flush dfw-trusted-4.n
add dfw-trusted-4.n 192.0.2.7 -exist
add dfw-trusted-4.n 198.51.100.0/24 -exist
swap dfw-trusted-4.n dfw-trusted-4
destroy dfw-trusted-4.n
# [set trusted], IPv6: 1 entries
create dfw-trusted-6 hash:net family inet6 hashsize 1024 maxelem 65536 -exist
create dfw-trusted-6.n hash:net family inet6 hashsize 1024 maxelem 65536 -exist
flush dfw-trusted-6.n
add dfw-trusted-6.n 2001:db8::/48 -exist
swap dfw-trusted-6.n dfw-trusted-6
destroy dfw-trusted-6.n"
}

@test "type = hash:ip takes hosts and refuses networks" {
	c=$(cfg c.ini <<<$'[set t]\ntype = hash:ip\nentries = 192.0.2.7, 192.0.2.0/24\n[host]\ntcp = 22')
	run -2 --separate-stderr dfwc "$c" ipsets
	[[ "$stderr" == *"c.ini:3:22: error: '192.0.2.0/24' is a network, but [set t] is hash:ip, which would add every address in it one by one; use type = hash:net [bad-address]"* ]]
}

@test "file = reads a list relative to the file naming it, with comments" {
	mkdir -p "$BATS_TEST_TMPDIR/conf/lists"
	printf '# office\n203.0.113.0/28   # main office\n\n2001:db8:1::/48\n' >"$BATS_TEST_TMPDIR/conf/lists/office.list"
	c=$(cfg conf/c.ini <<<$'[set office]\nfile = lists/office.list\n[host]\ntcp = 22\nallow = office')
	run -0 dfwc "$c" ipsets
	assert_line 'add dfw-office-4.n 203.0.113.0/28 -exist'
	assert_line 'add dfw-office-6.n 2001:db8:1::/48 -exist'
}

@test "a bad address in a list file is located in that file" {
	long=$(printf '1%.0s' $(seq 1 150))
	printf '192.0.2.1\n   192.0.2.300\t# office\n%s\n' "$long" >"$BATS_TEST_TMPDIR/bad.list"
	c=$(cfg c.ini <<<$'[set t]\nfile = bad.list\n[host]\ntcp = 22')
	run -2 --separate-stderr dfwc "$c"
	[[ "$stderr" == *"bad.list:2:4: error: '192.0.2.300': not an IPv4 or IPv6 address [bad-address]"* ]]
	[[ "$stderr" == *"bad.list:3:1: error: '$long': not an IPv4 or IPv6 address [bad-address]"* ]]
}

@test "a /0 in a set is an error: ipset cannot hold it" {
	c=$(cfg c.ini <<<$'[set t]\nentries = 10.0.0.0/8, 0.0.0.0/0\n[host]\ntcp = 22\nallow = t')
	run -2 --separate-stderr dfwc "$c" ipsets
	assert_output ''
	[[ "$stderr" == *"c.ini:2:23: error: '0.0.0.0/0' is every address, which no ipset can hold"* ]]
	printf '::/0\n' >"$BATS_TEST_TMPDIR/all.list"
	c=$(cfg c.ini <<<$'[set t]\nfile = all.list\n[host]\ntcp = 22\nallow = t')
	run -2 --separate-stderr dfwc "$c" ipsets
	[[ "$stderr" == *"all.list:1:1: error: '::/0' is every address"* ]]
}

@test "a list with many bad entries shows the first ten, then one error for the rest" {
	for i in $(seq 1 25); do echo "10.0.0.$i/8"; done >"$BATS_TEST_TMPDIR/bad.list"
	c=$(cfg c.ini <<<$'[set t]\nfile = bad.list\n[host]\ntcp = 22')
	run -2 --separate-stderr dfwc "$c"
	assert_output ''
	run -0 grep -c 'error:' <<<"$stderr"
	assert_output 11
	[[ "$stderr" == *"bad.list:10:1: error: '10.0.0.10/8': host bits are set"* ]]
	[[ "$stderr" == *"bad.list:11:1: error: bad entries from here on are not shown (15 in $BATS_TEST_TMPDIR/bad.list) [bad-address]"* ]]
}

@test "networks in a hash:ip list count as bad entries: ten shown, one error for the rest" {
	for i in $(seq 1 30); do echo "10.$i.0.0/16"; done >"$BATS_TEST_TMPDIR/nets.list"
	c=$(cfg c.ini <<<$'[set t]\ntype = hash:ip\nfile = nets.list\n[host]\ntcp = 22')
	run -2 --separate-stderr dfwc "$c"
	run -0 grep -c 'error:' <<<"$stderr"
	assert_output 11
	[[ "$stderr" == *"nets.list:10:1: error: '10.10.0.0/16' is a network, but [set t] is hash:ip"* ]]
	[[ "$stderr" == *"nets.list:11:1: error: bad entries from here on are not shown (20 in $BATS_TEST_TMPDIR/nets.list) [bad-address]"* ]]
}

@test "addresses of a family left out are one warning per list file, not one per line" {
	printf '2001:db8::1\n192.0.2.1\n2001:db8::2\n2001:db8::3\n' >"$BATS_TEST_TMPDIR/mixed.list"
	c=$(cfg c.ini <<<$'[global]\nfamily = ipv4\n[set t]\nfile = mixed.list\n[host]\ntcp = 22\nallow = t')
	run -0 --separate-stderr dfwc "$c" ipsets
	assert_line 'add dfw-t-4.n 192.0.2.1 -exist'
	refute_output --partial '2001:db8'
	run -0 grep -c 'warning:' <<<"$stderr"
	assert_output 1
	[[ "$stderr" == *"mixed.list:1:1: warning: this IPv6 address and 2 more in $BATS_TEST_TMPDIR/mixed.list are ignored: [global] family leaves IPv6 out [family-ignored]"* ]]
}

@test "a big list: entries in line order, the left-out family counted once" {
	# every 7th line IPv6 (left out), every 11th a comment, both halves alike
	awk 'BEGIN { for (i = 1; i <= 10000; i++)
		if (i % 7 == 0) printf "2001:db8::%x\n", i; else if (i % 11 == 0) print "# note"
		else printf "10.%d.%d.%d\n", i / 65536, (i / 256) % 256, i % 256 }' >"$BATS_TEST_TMPDIR/big.list"
	c=$(cfg c.ini <<<$'[global]\nfamily = ipv4\n[set t]\nfile = big.list\n[host]\ntcp = 22\nallow = t')
	run -0 --separate-stderr dfwc "$c" ipsets
	assert_line '# [set t], IPv4: 7792 entries'
	assert_line 'add dfw-t-4.n 10.0.39.16 -exist'
	[[ "$stderr" == *"big.list:7:1: warning: this IPv6 address and 1427 more in $BATS_TEST_TMPDIR/big.list are ignored"* ]]
}

@test "bad entries of a big list: the first ten shown in line order, the rest counted" {
	awk 'BEGIN { for (i = 1; i <= 10000; i++)
		if ((i >= 2000 && i < 2006) || (i >= 9000 && i < 9008)) printf "10.0.0.%d/8\n", i % 250 + 1
		else printf "10.%d.%d.%d\n", i / 65536, (i / 256) % 256, i % 256 }' >"$BATS_TEST_TMPDIR/bad.list"
	c=$(cfg c.ini <<<$'[set t]\nfile = bad.list\n[host]\ntcp = 22')
	run -2 --separate-stderr dfwc "$c"
	assert_output ''
	run -0 grep -o '^[^ ]*bad.list:[0-9]*' <<<"$stderr"
	assert_output "$(printf "$BATS_TEST_TMPDIR/bad.list:%s\n" 2000 2001 2002 2003 2004 2005 9000 9001 9002 9003 9004)"
	[[ "$stderr" == *"bad.list:9004:1: error: bad entries from here on are not shown (4 in $BATS_TEST_TMPDIR/bad.list)"* ]]
}

@test "a missing list file is an error at the key naming it" {
	c=$(cfg c.ini <<<$'[set t]\nfile = nowhere.list\n[host]\ntcp = 22')
	run -2 --separate-stderr dfwc "$c"
	[[ "$stderr" == *"c.ini:2:8: error: cannot read '$BATS_TEST_TMPDIR/nowhere.list': No such file or directory [unreadable]"* ]]
}

@test "maxelem is used as given and must hold the entries" {
	c=$(cfg c.ini <<<$'[set t]\nmaxelem = 1000\nentries = 192.0.2.1\n[host]\ntcp = 22')
	run -0 dfwc "$c" ipsets
	assert_line 'create dfw-t-4 hash:net family inet hashsize 1024 maxelem 1000 -exist'
	c=$(cfg d.ini <<<$'[set t]\nmaxelem = 1\nentries = 192.0.2.1, 192.0.2.2\n[host]\ntcp = 22')
	run -2 --separate-stderr dfwc "$c" ipsets
	[[ "$stderr" == *"d.ini:2:11: error: [set t] has 2 IPv4 entries but maxelem is 1 [set-too-small]"* ]]
}

@test "a set name that would not fit ipset's 31 characters is refused" {
	c=$(cfg c.ini <<<$'[set abcdefghijklmnopqrstuvwxyz]\nentries = 192.0.2.1\n[host]\ntcp = 22')
	run -2 --separate-stderr dfwc "$c"
	[[ "$stderr" == *"c.ini:1:1: error: name 'abcdefghijklmnopqrstuvwxyz' must start with a letter and hold only letters, digits, '_' and '-', at most 23 characters [bad-name]"* ]]
}

@test "a set name with spaces or quotes is refused" {
	c=$(cfg c.ini <<<$'[set my "set"]\nentries = 192.0.2.1\n[host]\ntcp = 22')
	run -2 --separate-stderr dfwc "$c"
	[[ "$stderr" == *"error: name 'my \"set\"' must start with a letter"* ]]
}

# ---- [host] and [containers] ----

@test "host allow, tcp and udp become ACCEPTs in FILTERS, in order" {
	c=$(cfg c.ini <<<$'[set t]\nentries = 192.0.2.0/24\n[host]\nallow = t, 198.51.100.9\ntcp = 22, 8000-8010\nudp = 53')
	run -0 dfwc "$c"
	assert_line '-A FILTERS -p tcp -m tcp --dport 8000:8010 -m comment --comment "dfwgen: [host] tcp" -j ACCEPT'
	assert_line '-A FILTERS -p udp -m udp --dport 53 -m comment --comment "dfwgen: [host] udp" -j ACCEPT'
	assert_line '-A FILTERS -m set --match-set dfw-t-4 src -m comment --comment "dfwgen: [host] allow" -j ACCEPT'
	assert_line '-A FILTERS -s 198.51.100.9/32 -m comment --comment "dfwgen: [host] allow" -j ACCEPT'
}

@test "icmp = no drops the ICMP rule but IPv6 keeps neighbour discovery" {
	c=$(cfg c.ini <<<$'[host]\ntcp = 22\nicmp = no')
	run -0 dfwc "$c"
	refute_output --partial '-p icmp'
	run -0 dfwc "$c" -6
	refute_output --partial '[host] icmp'
	for type in 2 133 134 135 136 137; do
		assert_line "-A FILTERS -p ipv6-icmp -m icmp6 --icmpv6-type $type -m comment --comment \"dfwgen: icmpv6 essentials\" -j ACCEPT"
	done
}

@test "from_containers = no drops the bridge ACCEPTs from FILTERS" {
	c=$(cfg c.ini <<<$'[host]\ntcp = 22\nfrom_containers = no')
	run -0 dfwc "$c"
	refute_output --partial '[host] from_containers'
}

@test "containers tcp/udp match the PUBLISHED port with conntrack, never --dport" {
	c=$(cfg c.ini <<<$'[host]\ntcp = 22\n[containers]\ntcp = 8081\nudp = 5000-5010')
	run -0 dfwc "$c"
	assert_line '-A DOCKER-USER -p tcp -m conntrack --ctorigdstport 8081 --ctdir ORIGINAL -m comment --comment "dfwgen: [containers] tcp" -j RETURN'
	assert_line '-A DOCKER-USER -p udp -m conntrack --ctorigdstport 5000:5010 --ctdir ORIGINAL -m comment --comment "dfwgen: [containers] udp" -j RETURN'
	run -1 grep -e '-A DOCKER-USER.*--dport' <<<"$output"
}

# ---- [port NAME] ----

@test "a [port] allowlist for containers matches the published port and each source" {
	c=$(cfg c.ini <<<$'[set office]\nentries = 203.0.113.0/28\n[host]\ntcp = 22\n[port web]\nport = 8081\nallow = office, 198.51.100.7')
	run -0 dfwc "$c"
	assert_line '-A DOCKER-USER -p tcp -m conntrack --ctorigdstport 8081 --ctdir ORIGINAL -m set --match-set dfw-office-4 src -m comment --comment "dfwgen: [port web]" -j RETURN'
	assert_line '-A DOCKER-USER -p tcp -m conntrack --ctorigdstport 8081 --ctdir ORIGINAL -s 198.51.100.7/32 -m comment --comment "dfwgen: [port web]" -j RETURN'
}

@test "a [port] allowlist for the host uses --dport in FILTERS" {
	c=$(cfg c.ini <<<$'[host]\ntcp = 22\n[port dns]\nscope = host\nproto = udp\nport = 53\nallow = 192.0.2.0/24')
	run -0 dfwc "$c"
	assert_line '-A FILTERS -p udp -m udp --dport 53 -s 192.0.2.0/24 -m comment --comment "dfwgen: [port dns]" -j ACCEPT'
	refute_output --partial 'DOCKER-USER -p udp'
}

@test "a [port] section needs port and allow" {
	c=$(cfg c.ini <<<$'[host]\ntcp = 22\n[port web]\nscope = host')
	run -2 --separate-stderr dfwc "$c"
	[[ "$stderr" == *"c.ini:3:1: error: [port web] needs 'port =' [missing-key]"* ]]
	[[ "$stderr" == *"c.ini:3:1: error: [port web] needs 'allow =' [missing-key]"* ]]
}

@test "a [port] with a bad scope or proto is refused" {
	c=$(cfg c.ini <<<$'[host]\ntcp = 22\n[port web]\nscope = everywhere\nproto = icmp\nport = 80\nallow = 192.0.2.1')
	run -2 --separate-stderr dfwc "$c"
	[[ "$stderr" == *"c.ini:4:9: error: expected host | containers, got 'everywhere' [bad-value]"* ]]
	[[ "$stderr" == *"c.ini:5:9: error: expected tcp | udp, got 'icmp' [bad-value]"* ]]
}

# ---- merging ----

@test "fragments are read in byte order after the main file; lists accumulate" {
	mkdir -p "$BATS_TEST_TMPDIR/d"
	printf '[host]\ntcp = 80\n' >"$BATS_TEST_TMPDIR/d/20-web.ini"
	printf '[host]\ntcp = 443\n' >"$BATS_TEST_TMPDIR/d/10-tls.ini"
	printf '[host]\ntcp = 9999\n' >"$BATS_TEST_TMPDIR/d/30-ignored.conf"
	printf '[host]\ntcp = 9998\n' >"$BATS_TEST_TMPDIR/d/.hidden.ini"
	c=$(cfg c.ini <<<$'[host]\ntcp = 22')
	run -0 dfw -c "$c" -d "$BATS_TEST_TMPDIR/d" --live none
	run -0 bash -c "grep -o -- '--dport [0-9]*' <<<\"\$0\"" "$output"
	assert_output $'--dport 22\n--dport 443\n--dport 80'
}

@test "an empty value resets a list, later values add again" {
	mkdir -p "$BATS_TEST_TMPDIR/d"
	printf '[host]\ntcp =\ntcp = 2222\n' >"$BATS_TEST_TMPDIR/d/50-reset.ini"
	c=$(cfg c.ini <<<$'[global]\nssh_port = 2222\n[host]\ntcp = 22, 80')
	run -0 dfw -c "$c" -d "$BATS_TEST_TMPDIR/d" --live none
	assert_output --partial '--dport 2222'
	refute_output --partial '--dport 80 '
	refute_output --partial '--dport 22 '
}

@test "for scalars the last file wins" {
	mkdir -p "$BATS_TEST_TMPDIR/d"
	printf '[global]\naction = reject\n' >"$BATS_TEST_TMPDIR/d/90-local.ini"
	c=$(cfg c.ini <<<$'[global]\naction = drop\n[host]\ntcp = 22')
	run -0 dfw -c "$c" -d "$BATS_TEST_TMPDIR/d" --live none
	assert_output --partial '-j REJECT'
}

@test "a scalar set twice in one file with different values reports both places" {
	c=$(cfg c.ini <<<$'[global]\naction = drop\n[host]\ntcp = 22\n[global]\naction = reject')
	run -2 --separate-stderr dfwc "$c"
	[[ "$stderr" == *"c.ini:6:10: error: 'action' in [global] is set twice in this file with different values (first at line 2) [duplicate-key]"* ]]
	[[ "$stderr" == *"c.ini:2:10: note: 'action' first set here [duplicate-key]"* ]]
}

@test "the same item from two fragments is written once" {
	mkdir -p "$BATS_TEST_TMPDIR/d"
	printf '[host]\ntcp = 22\n' >"$BATS_TEST_TMPDIR/d/a.ini"
	printf '[host]\ntcp = 22\n' >"$BATS_TEST_TMPDIR/d/b.ini"
	run -0 dfw -d "$BATS_TEST_TMPDIR/d" -c /dev/null --live none
	run -0 grep -c -- '--dport 22 ' <<<"$output"
	assert_output 1
}

@test "config prints the merged view with the file:line of every value" {
	mkdir -p "$BATS_TEST_TMPDIR/d"
	printf '[host]\ntcp = 443\n' >"$BATS_TEST_TMPDIR/d/10-tls.ini"
	c=$(cfg c.ini <<<$'[global]\naction = reject\n[host]\ntcp = 22')
	run -0 dfw config -c "$c" -d "$BATS_TEST_TMPDIR/d"
	assert_line "action = reject   ; $c:2"
	assert_line "tcp = 22   ; $c:4"
	assert_line "tcp = 443   ; $BATS_TEST_TMPDIR/d/10-tls.ini:2"
	assert_line "family = both   ; default"
}

# ---- errors ----

@test "an unknown key is an error with the keys the section knows" {
	c=$(cfg c.ini <<<$'[host]\ntpc = 22')
	run -2 --separate-stderr dfwc "$c"
	assert_equal "$output" ""
	assert_equal "$stderr" "$c:2:1: error: unknown key 'tpc' in [host] (known: allow, tcp, udp, icmp, from_containers) [unknown-key]
  tpc = 22
  ^~~"
}

@test "an unknown section is an error" {
	c=$(cfg c.ini <<<$'[hosts]\ntcp = 22')
	run -2 --separate-stderr dfwc "$c"
	[[ "$stderr" == *"c.ini:1:1: error: unknown section [hosts]; known: [global] [docker] [set NAME] [host] [containers] [port NAME] [limit NAME] [egress NAME] [policy NAME] [unknown-section]"* ]]
}

@test "bad addresses are each reported at their column" {
	c=$(cfg c.ini <<<$'[host]\ntcp = 22\nallow = 300.1.1.1, 10.0.0.1/33, 10.0.0.1/8, ::ffff:1.2.3.4')
	run -2 --separate-stderr dfwc "$c"
	[[ "$stderr" == *"c.ini:3:9: error: '300.1.1.1': not an IPv4 or IPv6 address [bad-address]"* ]]
	[[ "$stderr" == *"c.ini:3:20: error: '10.0.0.1/33': the prefix length must be 0 to 32 [bad-address]"* ]]
	[[ "$stderr" == *"c.ini:3:33: error: '10.0.0.1/8': host bits are set after the prefix length (did you mean the network address?) [bad-address]"* ]]
	[[ "$stderr" == *"c.ini:3:45: error: '::ffff:1.2.3.4': an IPv4-mapped IPv6 address never matches in ip6tables; write the IPv4 address [bad-address]"* ]]
}

@test "bad ports are each reported" {
	c=$(cfg c.ini <<<$'[host]\ntcp = 22, 0, 65536, 22-10, htpp, -1')
	run -2 --separate-stderr dfwc "$c"
	[[ "$stderr" == *"c.ini:2:11: error: '0': a port must be 1 to 65535 [bad-port]"* ]]
	[[ "$stderr" == *"c.ini:2:14: error: '65536': a port must be 1 to 65535 [bad-port]"* ]]
	[[ "$stderr" == *"c.ini:2:21: error: '22-10': the range's first port is above its last [bad-port]"* ]]
	[[ "$stderr" == *"c.ini:2:28: error: 'htpp' is no port number, nor a tcp service of /etc/services [bad-port]"* ]]
	[[ "$stderr" == *"c.ini:2:34: error: '-1': a port is a number from 1 to 65535, or a range LOW-HIGH [bad-port]"* ]]
}

@test "a port that tries to carry iptables options is refused" {
	c=$(cfg c.ini <<<$'[host]\ntcp = 22 -j ACCEPT')
	run -2 --separate-stderr dfwc "$c"
	[[ "$stderr" == *"c.ini:2:7: error: '22 -j ACCEPT': a port is a number from 1 to 65535, or a range LOW-HIGH [bad-port]"* ]]
}

@test "an allow list naming a set nobody defined is an error" {
	c=$(cfg c.ini <<<$'[host]\ntcp = 22\nallow = office')
	run -2 --separate-stderr dfwc "$c"
	[[ "$stderr" == *"c.ini:3:9: error: no [set office] is defined (an allow list names sets or addresses) [unknown-set]"* ]]
}

@test "empty list items are refused" {
	c=$(cfg c.ini <<<$'[host]\ntcp = 22,,80')
	run -2 --separate-stderr dfwc "$c"
	[[ "$stderr" == *"c.ini:2:10: error: empty list item (two commas in a row, or a comma at the start or end) [empty-item]"* ]]
}

@test "a missing main file is an error and nothing is printed" {
	run -2 --separate-stderr dfw -c "$BATS_TEST_TMPDIR/nope.ini" -d "$BATS_TEST_TMPDIR" --live none
	assert_equal "$output" ""
	assert_equal "$stderr" "dfwgen: error: cannot read '$BATS_TEST_TMPDIR/nope.ini': No such file or directory [unreadable]"
}

@test "a directory named as the config is an error" {
	run -2 --separate-stderr dfw -c "$BATS_TEST_TMPDIR" -d "$BATS_TEST_TMPDIR" --live none
	assert_equal "$stderr" "dfwgen: error: cannot read '$BATS_TEST_TMPDIR': it is a directory [unreadable]"
}

@test "a dangling symlink in rules.d is an error, not skipped" {
	mkdir -p "$BATS_TEST_TMPDIR/d"
	ln -s "$BATS_TEST_TMPDIR/gone.ini" "$BATS_TEST_TMPDIR/d/50-gone.ini"
	c=$(cfg c.ini <<<$'[host]\ntcp = 22')
	run -2 --separate-stderr dfw -c "$c" -d "$BATS_TEST_TMPDIR/d" --live none
	[[ "$stderr" == *"cannot read '$BATS_TEST_TMPDIR/d/50-gone.ini': No such file or directory [unreadable]"* ]]
}

@test "a missing drop-in directory named with -d is an error" {
	c=$(cfg c.ini <<<$'[host]\ntcp = 22')
	run -2 --separate-stderr dfw -c "$c" -d "$BATS_TEST_TMPDIR/none" --live none
	assert_equal "$stderr" "dfwgen: error: cannot read directory '$BATS_TEST_TMPDIR/none': No such file or directory [unreadable]"
}

@test "a line libinih would truncate is refused, not cut" {
	long=$(printf '192.0.2.%d, ' $(seq 1 40))
	c=$(cfg c.ini <<<"[set t]
entries = ${long%, }
[host]
tcp = 22")
	run -2 --separate-stderr dfwc "$c"
	[[ "$stderr" == *"c.ini:2:199: error: line is $((${#long} + 8)) characters long; at most 198 fit (libinih would cut it silently). Split a list over several lines: list keys accumulate [line-too-long]"* ]]
}

@test "a line of exactly 198 characters is read whole" {
	entries="192.0.2.1"
	for i in $(seq 2 60); do
		candidate="$entries, 192.0.2.$i"
		[ $((${#candidate} + 10)) -le 198 ] || break
		entries=$candidate
	done
	line="entries = $entries"
	while [ ${#line} -lt 198 ]; do line="$line "; done
	c=$(cfg c.ini <<<"[set t]
$line
[host]
tcp = 22")
	run -0 dfwc "$c" ipsets
	assert_line "add dfw-t-4.n 192.0.2.$((i - 1)) -exist"
}

@test "a key with no '=' is an error" {
	c=$(cfg c.ini <<<$'[host]\ntcp')
	run -2 --separate-stderr dfwc "$c"
	[[ "$stderr" == *"c.ini:2:1: error: expected 'key = value', a [section] header or a comment [ini-syntax]"* ]]
}

@test "an indented key is not silently taken as more values of the key above" {
	c=$(cfg c.ini <<<$'[host]\ntcp = 22\n  udp = 53')
	run -2 --separate-stderr dfwc "$c"
	[[ "$stderr" == *"c.ini:3:3: error: this indented line is read as more values for 'tcp' (libinih joins indented lines to the key above); remove the indentation [ini-syntax]"* ]]
}

@test "'#' inside a line is no comment: an error at the '#', where ';' would be one" {
	c=$(cfg c.ini <<<$'[host]\ntcp = 22, 9999  # ssh')
	run -2 --separate-stderr dfwc "$c"
	[[ "$stderr" == *"c.ini:2:17: error: '# ssh' is read as part of the value of 'tcp': an inline comment starts with ';' (a line of its own may start with '#') [ini-syntax]"* ]]
	[[ "$stderr" != *"bad-port"* ]]
	c=$(cfg d.ini <<<$'# a comment line\n[host]\ntcp = 22, 9999  ; ssh')
	run -0 dfwc "$c"
	assert_line --partial -- '--dport 9999 '
}

@test "a list goes on on indented lines, the comma at the end of one line or the start of the next" {
	c=$(cfg c.ini <<<$'[set office]\nentries = 192.0.2.0/24,\n  198.51.100.7, 198.51.100.8\n  , 2001:db8:10::/48\n[host]\ntcp = 22\nallow = office')
	run -0 --separate-stderr dfwc "$c" ipsets
	assert_equal "$stderr" ""
	for a in 192.0.2.0/24 198.51.100.7 198.51.100.8 2001:db8:10::/48; do
		assert_line --partial "$a -exist"
	done
	# libinih strips no comment from an indented line: said, not read as an address
	c=$(cfg e.ini <<<$'[set office]\nentries = 192.0.2.0/24,\n  198.51.100.7  ; admin\n[host]\ntcp = 22')
	run -2 --separate-stderr dfwc "$c" ipsets
	[[ "$stderr" == *"e.ini:3:17: error: '; admin' is read as part of the value of 'entries': libinih strips no comment from an indented line that continues a list; put the comment on a line of its own [ini-syntax]"* ]]
	[[ "$stderr" != *"bad-address"* ]]
	# a comma with nothing after it, at the end of the last line, is still an error
	c=$(cfg d.ini <<<$'[set office]\nentries = 192.0.2.0/24,\n  198.51.100.7,\n[host]\ntcp = 22')
	run -2 --separate-stderr dfwc "$c" ipsets
	[[ "$stderr" == *"d.ini:3:16: error: empty list item"* ]]
}

@test "NUL bytes and invalid UTF-8 are refused" {
	printf '[host]\ntcp = 22\x00\n' >"$BATS_TEST_TMPDIR/nul.ini"
	run -2 --separate-stderr dfwc "$BATS_TEST_TMPDIR/nul.ini"
	[[ "$stderr" == *"nul.ini:2: error: line contains a NUL byte [ini-encoding]"* ]]
	printf '[host]\ntcp = 22\n; caf\xe9\n' >"$BATS_TEST_TMPDIR/latin1.ini"
	run -2 --separate-stderr dfwc "$BATS_TEST_TMPDIR/latin1.ini"
	[[ "$stderr" == *"latin1.ini:3: error: line is not valid UTF-8 [ini-encoding]"* ]]
}

@test "CRLF line endings are read like LF" {
	printf '[host]\r\ntcp = 22, 80\r\n' >"$BATS_TEST_TMPDIR/crlf.ini"
	run -0 dfwc "$BATS_TEST_TMPDIR/crlf.ini"
	assert_output --partial '--dport 80 '
}

@test "an empty config with no fragments fails the anti-lockout check" {
	: >"$BATS_TEST_TMPDIR/empty.ini"
	run -1 --separate-stderr dfwc "$BATS_TEST_TMPDIR/empty.ini"
	assert_equal "$output" ""
	[[ "$stderr" == *"[lockout]"* ]]
}

@test "the shipped default configuration generates for both families" {
	run -0 dfw -c /dev/null -d "$ROOT/rules.d" --live none
	assert_line '-A FILTERS -p tcp -m tcp --dport 22 -m comment --comment "dfwgen: [host] tcp" -j ACCEPT'
	run -0 dfw -c /dev/null -d "$ROOT/rules.d" --live none -6
	run -0 dfw -c /dev/null -d "$ROOT/rules.d" ipsets
}

@test "[port] takes several ports and ranges; a bad one is located at its column" {
	c=$(cfg c.ini <<<$'[host]\ntcp = 22\n[port web]\nport = 80, 443, 8000-8010\nallow = 192.0.2.10')
	run -0 dfwc "$c"
	for p in 80 443 8000:8010; do
		assert_line -- "-A DOCKER-USER -p tcp -m conntrack --ctorigdstport $p --ctdir ORIGINAL -s 192.0.2.10/32 -m comment --comment \"dfwgen: [port web]\" -j RETURN"
	done
	c=$(cfg d.ini <<<$'[host]\ntcp = 22\n[port web]\nport = 80, 70000\nallow = 192.0.2.10')
	run -2 --separate-stderr dfwc "$c"
	[[ "$stderr" == *"d.ini:4:12: error: '70000': "*"[bad-port]"* ]]
}

@test "ports by their /etc/services name are resolved when generating; an unknown name is located" {
	c=$(cfg c.ini <<<$'[host]\ntcp = ssh, https\nudp = domain\n[port t]\nproto = udp\nport = ntp\nallow = 192.0.2.10')
	run -0 dfwc "$c"
	assert_line --partial -- '-p tcp -m tcp --dport 22 '
	assert_line --partial -- '-p tcp -m tcp --dport 443 '
	assert_line --partial -- '-p udp -m udp --dport 53 '
	assert_line --partial -- '-p udp -m conntrack --ctorigdstport 123 '
	c=$(cfg d.ini <<<$'[host]\ntcp = 22, htps')
	run -2 --separate-stderr dfwc "$c"
	[[ "$stderr" == *"d.ini:2:11: error: 'htps' is no port number, nor a tcp service of /etc/services [bad-port]"* ]]
}

@test "[set] interfaces: the set's members count only entering there, wherever the set is allowed" {
	c=$(cfg c.ini <<<$'[set lan]\nentries = 192.168.1.0/24\ninterfaces = eth1, wg+\n[host]\ntcp = 22\nallow = lan\n[containers]\nallow = lan\n[port pub]\nport = 80\nallow = lan')
	run -0 dfwc "$c"
	for i in eth1 wg+; do
		assert_line -- "-A FILTERS -i $i -m set --match-set dfw-lan-4 src -m comment --comment \"dfwgen: [host] allow\" -j ACCEPT"
		assert_line -- "-A DOCKER-USER -i $i -m set --match-set dfw-lan-4 src -m comment --comment \"dfwgen: [containers] allow\" -j RETURN"
		assert_line --partial -- "--ctorigdstport 80 --ctdir ORIGINAL -i $i -m set --match-set dfw-lan-4 src"
	done
	refute_line --regexp -- '-A DOCKER-USER -m set --match-set dfw-lan-4'
	c=$(cfg d.ini <<<$'[set lan]\nentries = 192.168.1.0/24\ninterfaces = eth1 -j ACCEPT\n[host]\ntcp = 22')
	run -2 --separate-stderr dfwc "$c"
	[[ "$stderr" == *"d.ini:3:14: error: 'eth1 -j ACCEPT' is not an interface name"*"[bad-interface]"* ]]
}

@test "[limit]: new connections per source above the rate get the action, before any accept" {
	c=$(cfg c.ini <<<$'[host]\ntcp = 22\n[limit ssh]\nport = ssh\nrate = 6/minute\n[limit web]\nscope = containers\nport = 8000, 8443\nrate = 20/s\nburst = 40')
	run -0 dfwc "$c"
	assert_line -- '-A FILTERS -p tcp -m tcp --dport 22 -m conntrack --ctstate NEW -m hashlimit --hashlimit-above 6/min --hashlimit-burst 6 --hashlimit-mode srcip --hashlimit-name dfw-ssh -m comment --comment "dfwgen: [limit ssh]" -j DROP'
	for p in 8000 8443; do
		assert_line -- "-A DOCKER-USER -p tcp -m conntrack --ctstate NEW --ctorigdstport $p --ctdir ORIGINAL -m hashlimit --hashlimit-above 20/sec --hashlimit-burst 40 --hashlimit-mode srcip --hashlimit-name dfw-web -m comment --comment \"dfwgen: [limit web]\" -j DROP"
		assert_line --partial -- "--ctorigdstport $p --ctdir ORIGINAL -m hashlimit --hashlimit-above 20/sec --hashlimit-burst 40 --hashlimit-mode srcip --hashlimit-name dfwg-web "
	done
	# before the port is let in
	run -0 grep -n -e 'dfwgen: \[limit ssh\]' -e 'dfwgen: \[host\] tcp' <<<"$output"
	assert_line --index 0 --partial '[limit ssh]'
	c=$(cfg d.ini <<<$'[host]\ntcp = 22\n[limit ssh]\nport = 22\nrate = often\nburst = 0\n[limit x]\nrate = 1/s')
	run -2 --separate-stderr dfwc "$c"
	[[ "$stderr" == *"d.ini:5:8: error: rate 'often' is not a rate such as 6/minute"*"[bad-value]"* ]]
	[[ "$stderr" == *"d.ini:6:9: error: burst '0' must be a number from 1 to 10000"*"[bad-value]"* ]]
	[[ "$stderr" == *"[limit x] needs 'port ='"*"[missing-key]"* ]]
}

@test "[egress]: controlled bridges reach other bridges, then only what is allowed, then the action" {
	c=$(cfg c.ini <<<$'[set apis]\nentries = 192.0.2.0/24\n[host]\ntcp = 22\n[egress web]\nfrom = docker0\nto = apis, 198.51.100.20\nport = https')
	run -0 --separate-stderr dfwc "$c"
	assert_equal "$stderr" ""
	assert_line -- '-A DOCKER-USER -i docker0 -o br-+ -m comment --comment "dfwgen: [egress] between bridges" -j RETURN'
	assert_line -- '-A DOCKER-USER -p tcp -i docker0 -m set --match-set dfw-apis-4 dst -m tcp --dport 443 -m comment --comment "dfwgen: [egress web]" -j RETURN'
	assert_line -- '-A DOCKER-USER -p tcp -i docker0 -d 198.51.100.20/32 -m tcp --dport 443 -m comment --comment "dfwgen: [egress web]" -j RETURN'
	assert_line -- '-A DOCKER-USER -i docker0 -m comment --comment "dfwgen: [egress] not allowed" -j DROP'
	# the bridges it leaves alone are returned to Docker as before; docker0 is not
	assert_line -- '-A DOCKER-USER -i br-+ -m comment --comment "dfwgen: [docker] bridges" -j RETURN'
	refute_line -- '-A DOCKER-USER -i docker0 -m comment --comment "dfwgen: [docker] bridges" -j RETURN'
	# no [egress]: no egress rule at all
	c=$(cfg d.ini <<<$'[host]\ntcp = 22')
	run -0 dfwc "$c"
	refute_line --partial 'egress'
	c=$(cfg e.ini <<<$'[host]\ntcp = 22\n[egress x]\nport = 443')
	run -2 --separate-stderr dfwc "$c"
	[[ "$stderr" == *"[egress x] needs 'to ='"*"[missing-key]"* ]]
}
