#!/usr/bin/env bats
# dfwgen check: every diagnostic ID with a minimal file that triggers it (ID,
# line and column asserted), clean real-world files, JSON, options, policies.

setup() {
	load test_helper
	: >"$BATS_TEST_TMPDIR/none.sets"
}

# expect ID LINE COL [check options...] <<<FILE: the ID is reported exactly there.
expect() {
	local id=$1 line=$2 col=$3
	shift 3
	cat >"$BATS_TEST_TMPDIR/in.rules"
	run --separate-stderr "$DFWGEN" check --format json "$@" "$BATS_TEST_TMPDIR/in.rules"
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/out.json"
	if ! jq -e --arg id "$id" --argjson line "$line" --argjson col "$col" \
		'any(.[]; .id == $id and .line == $line and .column == $col)' "$BATS_TEST_TMPDIR/out.json" >/dev/null; then
		echo "expected [$id] at $line:$col; got:" >&2
		jq -r '.[] | "\(.line):\(.column) \(.severity) [\(.id)] \(.message)"' "$BATS_TEST_TMPDIR/out.json" >&2
		return 1
	fi
}

F=$'*filter\n:FILTERS - [0:0]'
# the same with INPUT's jump, for tests that want no [no-input-jump] warning
G=$'*filter\n:FILTERS - [0:0]\n-I INPUT 1 -j FILTERS'

# ---- syntax ----

@test "[missing-commit] a table that is never committed" {
	expect missing-commit 1 1 <<<"$F"$'\n-A FILTERS -j ACCEPT'
	assert_equal "$status" 1
}

@test "[bad-table] an unknown table" {
	expect bad-table 1 1 <<<$'*filtre\nCOMMIT'
}

@test "[outside-table] a rule before any *table" {
	expect outside-table 1 0 <<<$'-A INPUT -j ACCEPT\n*filter\nCOMMIT'
}

@test "[bad-syntax] COMMIT without a table, unknown commands, stray words, repeated options" {
	expect bad-syntax 1 1 <<<'COMMIT'
	expect bad-syntax 3 1 <<<"$F"$'\n-Q FILTERS -j ACCEPT\nCOMMIT'
	expect bad-syntax 3 22 <<<"$F"$'\n-A FILTERS -j ACCEPT extra\nCOMMIT'
	expect bad-syntax 3 25 <<<"$F"$'\n-A FILTERS -s 192.0.2.1 -s 192.0.2.2 -j ACCEPT\nCOMMIT'
	expect bad-syntax 3 25 <<<"$F"$'\n-A FILTERS -s 192.0.2.1 --source 192.0.2.2 -j ACCEPT\nCOMMIT'
	expect bad-syntax 3 30 <<<"$F"$'\n-A FILTERS --in-interface lo -i eth0 -j ACCEPT\nCOMMIT'
	expect bad-syntax 2 1 <<<$'*filter\n-t nat -A POSTROUTING -j ACCEPT\nCOMMIT'
}

@test "[bad-syntax] lines iptables-restore refuses though they hold no command" {
	# blanks only, an indented comment, blanks after COMMIT (nft and legacy refuse each)
	expect bad-syntax 2 0 --full <<<$'*filter\n   \n:INPUT ACCEPT [0:0]\nCOMMIT'
	expect bad-syntax 2 3 --full <<<$'*filter\n  # note\n:INPUT ACCEPT [0:0]\nCOMMIT'
	expect bad-syntax 3 7 --full <<<$'*filter\n:INPUT ACCEPT [0:0]\nCOMMIT '
	# what both accept stays clean: an indented rule, blanks after a table or a rule
	printf '*filter \n:INPUT ACCEPT [0:0]\n  -A INPUT -j ACCEPT \nCOMMIT\n' >"$BATS_TEST_TMPDIR/ok.rules"
	run -0 "$DFWGEN" check --full "$BATS_TEST_TMPDIR/ok.rules"
}

@test "[crlf] DOS line ends are refused once, with a count; a CR after a comment is fine" {
	printf '# saved on Windows\r\n*filter\r\n:INPUT ACCEPT [0:0]\r\n-A INPUT -j ACCEPT\r\nCOMMIT\r\n' >"$BATS_TEST_TMPDIR/dos.rules"
	run -1 --separate-stderr "$DFWGEN" check --full "$BATS_TEST_TMPDIR/dos.rules"
	[[ "$stderr" == *"dos.rules:2: error: this line ends in a carriage return (DOS line ends; 4 such lines): iptables-restore refuses it; convert the file (dos2unix) [crlf]"* ]]
	assert_equal "$(grep -c 'error:' <<<"$stderr")" 1
}

@test "[no-final-newline] a file ending in COMMIT without a newline (iptables-legacy-restore refuses it)" {
	printf '*filter\n:INPUT ACCEPT [0:0]\nCOMMIT' >"$BATS_TEST_TMPDIR/noeol.rules"
	run -1 --separate-stderr "$DFWGEN" check --full "$BATS_TEST_TMPDIR/noeol.rules"
	[[ "$stderr" == *"noeol.rules:3: error: the file ends in COMMIT without a newline: iptables-legacy-restore refuses it"*"[no-final-newline]"* ]]
}

@test "single quotes are characters, as iptables-restore reads them: 'a b' is two words" {
	expect bad-syntax 3 34 --full <<<$'*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m comment --comment \'a b\' -j ACCEPT\nCOMMIT'
}

@test "a closing quote ends a word, as iptables-restore splits it" {
	run -0 "$DFWGEN" check --full - <<<$'*filter\n:INPUT ACCEPT [0:0]\n:LOGACCEPT - [0:0]\n-A LOGACCEPT -j ACCEPT\n-A INPUT -m comment --comment "GIT SSH Server"-j LOGACCEPT\nCOMMIT'
}

@test "[unbalanced-quote] a quote that is never closed" {
	expect unbalanced-quote 3 33 <<<"$F"$'\n-A FILTERS -m comment --comment "oops -j ACCEPT\nCOMMIT'
}

@test "[missing-argument] an option without its value" {
	expect missing-argument 3 12 <<<"$F"$'\n-A FILTERS -s\nCOMMIT'
}

@test "[unknown-option] an option its match does not have" {
	expect unknown-option 3 19 <<<"$F"$'\n-A FILTERS -p tcp --frobnicate 1 -j ACCEPT\nCOMMIT'
}

@test "[orphan-option] --dport with no protocol" {
	expect orphan-option 3 12 <<<"$F"$'\n-A FILTERS --dport 22 -j ACCEPT\nCOMMIT'
}

@test "[match-needs-protocol] -m tcp or multiport without -p" {
	expect match-needs-protocol 3 15 <<<"$F"$'\n-A FILTERS -m tcp --dport 22 -j ACCEPT\nCOMMIT'
	expect match-needs-protocol 3 15 <<<"$F"$'\n-A FILTERS -m multiport --dports 80,443 -j ACCEPT\nCOMMIT'
}

@test "what iptables 1.8.9 loads is no error: -m before -p, numeric protocols, names, synonyms, abbreviations" {
	# each of these loads with iptables-restore, nft and legacy (tests/corpus)
	ok=$'*filter\n:INPUT DROP [0:0]\n:FORWARD - [0:0]\n:OUTPUT ACCEPT [0:0]
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -m tcp -p tcp --dport 22 -j ACCEPT
-A INPUT -m multiport -p tcp --dports 53,953 -j ACCEPT
-A INPUT -p 6 -m tcp --dport 23 -j ACCEPT
-A INPUT -p 17 -m udp --dport 53 -j ACCEPT
-A INPUT -p 1 -m icmp --icmp-type 8 -j ACCEPT
-A INPUT -p ipv6 -j ACCEPT
-A INPUT --src 10.0.0.0/8 --dst 10.0.0.1 -j ACCEPT
-A INPUT --sou 192.0.2.0/24 --proto udp -j ACCEPT
-A INPUT -p tcp -m multiport --dport 80,443 -j ACCEPT
-A INPUT -p tcp -m recent --set --name ssh
COMMIT'
	run -0 --separate-stderr "$DFWGEN" check --full --format json - <<<"$ok"
	run -0 jq -r '.[] | select(.severity == "error") | "\(.line) \(.id)"' <<<"$output"
	assert_output ""
	# a protocol match still needs its protocol somewhere in the rule
	expect match-needs-protocol 3 13 --full <<<$'*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m tcp -p udp --dport 22 -j ACCEPT\nCOMMIT'
}

@test "[service-name] a port by its /etc/services name is a warning: iptables resolves it when it loads" {
	expect service-name 3 27 <<<"$F"$'\n-A FILTERS -p tcp --dport domain -j ACCEPT\nCOMMIT'
	expect service-name 3 41 <<<"$F"$'\n-A FILTERS -p tcp -m multiport --dports ssh,https -j ACCEPT\nCOMMIT'
	expect bad-port 3 27 <<<"$F"$'\n-A FILTERS -p tcp --dport nosuchservice -j ACCEPT\nCOMMIT'
}

@test "[iface-any] -i any matches an interface called any, not every interface" {
	expect iface-any 3 15 <<<"$F"$'\n-A FILTERS -i any -m limit --limit 5/s -j ACCEPT\nCOMMIT'
}

@test "[bad-value] a MAC address every iptables-restore refuses (an anonymised dump)" {
	expect bad-value 3 32 <<<"$F"$'\n-A FILTERS -m mac --mac-source XX:XX:XX:XX:XX:XX -j ACCEPT\nCOMMIT'
	run -0 "$DFWGEN" check --full - <<<$'*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m mac --mac-source 00:11:22:aa:BB:cc -j ACCEPT\nCOMMIT'
}

@test "[bad-address] addresses, prefixes and host bits" {
	expect bad-address 3 15 <<<"$F"$'\n-A FILTERS -s 300.1.1.1 -j ACCEPT\nCOMMIT'
	expect bad-address 3 15 <<<"$F"$'\n-A FILTERS -s 10.0.0.0/33 -j ACCEPT\nCOMMIT'
	expect bad-address 3 15 <<<"$F"$'\n-A FILTERS -s 10.0.0.0/08 -j ACCEPT\nCOMMIT'
	expect bad-address 3 15 <<<"$F"$'\n-A FILTERS -s 10.0.0.0/255.0.0 -j ACCEPT\nCOMMIT'
}

@test "addresses iptables loads but reads otherwise than they look are warnings, modelled as it reads them" {
	# host bits: iptables masks them off
	expect host-bits 3 15 <<<"$F"$'\n-A FILTERS -d 10.0.0.1/8 -j ACCEPT\nCOMMIT'
	# a leading zero: resolved like inet_aton, octal
	expect odd-address 3 15 <<<"$F"$'\n-A FILTERS -s 10.0.0.010 -j ACCEPT\nCOMMIT'
	assert_output --partial 'matches 10.0.0.8'
	# a dotted netmask is a prefix; the rule below it is redundant, as the kernel sees it
	expect redundant-rule 4 0 <<<"$F"$'\n-A FILTERS -s 127.0.0.0/255.0.0.0 -j ACCEPT\n-A FILTERS -s 127.0.0.1 -j ACCEPT\n-A FILTERS -j RETURN\nCOMMIT'
	run -0 jq -r '.[] | select(.severity == "error") | .id' <<<"$output"
	assert_output ""
}

@test "a shadow finding names the rule that really makes the rule dead, not a -f rule above it" {
	expect shadowed-rule 6 0 <<<"$F"$'\n-A FILTERS -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A FILTERS -p tcp -m conntrack --ctstate NEW -j DROP\n-A FILTERS -i wlan0 -f -j DROP\n-A FILTERS -p tcp -m conntrack --ctstate NEW --dport 22 -j ACCEPT\n-A FILTERS -j DROP\nCOMMIT'
	assert_output --partial 'the rule at line 4 takes every packet'
}

@test "what the checker cannot model never acts as a wildcard: no finding rests on it" {
	# an address it cannot read, a netmask that is no prefix, -f: none covers the rules below
	for m in '-s 10.0.0.300' '-s 10.0.0.0/255.0.255.0' '-f' '-i wlan0 -f'; do
		expect falls-through 5 0 <<<"$F"$'\n-A FILTERS '"$m"$' -j DROP\n-A FILTERS -p tcp --dport 22 -j ACCEPT\n-A FILTERS -s 192.0.2.1 -j RETURN\nCOMMIT'
		run -0 jq -r '.[] | .id' <<<"$output"
		refute_output --partial shadowed-rule
		refute_output --partial unreachable-rule
		refute_output --partial redundant-rule
	done
}

@test "iptables' long option names read like the short ones" {
	printf '%s\n' '*filter' ':FILTERS - [0:0]' ':MORE - [0:0]' '-I INPUT 1 --jump FILTERS' \
		'-A FILTERS --match conntrack --ctstate RELATED,ESTABLISHED --jump ACCEPT' \
		'-A FILTERS --protocol tcp --match tcp --dport 22 --jump ACCEPT' \
		'-A FILTERS --protocol tcp --source 192.0.2.0/24 --destination 192.0.2.1 --in-interface eth0 --match tcp --dport 22 --jump ACCEPT' \
		'-A FILTERS --out-interface eth1 --fragment --goto MORE' '-A FILTERS --jump DROP' '-A MORE --jump DROP' COMMIT \
		>"$BATS_TEST_TMPDIR/long.rules"
	run -0 --separate-stderr "$DFWGEN" check --format json "$BATS_TEST_TMPDIR/long.rules"
	run -0 jq -r '[.[] | select(.severity == "error")] | length' <<<"$output"
	assert_output 0
}

@test "[wrong-family] an IPv6 address in an IPv4 file" {
	expect wrong-family 3 15 -4 <<<"$F"$'\n-A FILTERS -s 2001:db8::1 -j ACCEPT\nCOMMIT'
}

@test "[bad-port] ports above 65535, reversed ranges, too many multiport ports" {
	expect bad-port 3 27 <<<"$F"$'\n-A FILTERS -p tcp --dport 65536 -j ACCEPT\nCOMMIT'
	expect bad-port 3 27 <<<"$F"$'\n-A FILTERS -p tcp --dport 22:10 -j ACCEPT\nCOMMIT'
	expect bad-port 3 41 <<<"$F"$'\n-A FILTERS -p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16 -j ACCEPT\nCOMMIT'
}

@test "[bad-interface] an interface name longer than 15 characters" {
	expect bad-interface 3 15 <<<"$F"$'\n-A FILTERS -i averyveryverylongname -j ACCEPT\nCOMMIT'
}

@test "[bad-value] states, ctdir, rates, reject types, comments, log prefixes, policies" {
	expect bad-value 3 35 <<<"$F"$'\n-A FILTERS -m conntrack --ctstate NEWISH -j ACCEPT\nCOMMIT'
	expect bad-value 3 52 <<<"$F"$'\n-A FILTERS -m conntrack --ctorigdstport 80 --ctdir SIDEWAYS -j ACCEPT\nCOMMIT'
	expect bad-value 3 29 <<<"$F"$'\n-A FILTERS -m limit --limit fast -j ACCEPT\nCOMMIT'
	expect bad-value 3 36 <<<"$F"$'\n-A FILTERS -j REJECT --reject-with icmp6-port-unreachable\nCOMMIT'
	expect bad-value 3 32 <<<"$F"$'\n-A FILTERS -j LOG --log-prefix "this log prefix is way too long"\nCOMMIT'
	expect bad-value 3 33 <<<"$F"$'\n-A FILTERS -m comment --comment "'"$(printf 'x%.0s' $(seq 1 257))"$'" -j ACCEPT\nCOMMIT'
	expect bad-value 2 8 <<<$'*filter\n:INPUT MAYBE [0:0]\nCOMMIT'
}

@test "[bad-name] chain names over 28 characters and set names over 31" {
	expect bad-name 2 1 <<<$'*filter\n:THIS-CHAIN-NAME-IS-FAR-TOO-LONG - [0:0]\nCOMMIT'
	expect bad-name 3 31 <<<"$F"$'\n-A FILTERS -m set --match-set a-set-name-that-is-far-too-long-x src -j ACCEPT\nCOMMIT'
}

@test "[undeclared-chain] a rule in, or a jump to, a chain the file does not declare" {
	expect undeclared-chain 3 4 <<<"$F"$'\n-A NOSUCHCHAIN -j ACCEPT\nCOMMIT'
	expect undeclared-chain 3 15 <<<"$F"$'\n-A FILTERS -j NOSUCHCHAIN\nCOMMIT'
}

@test "-E renames a chain: rules go to the new name, and the old name is gone" {
	printf '%s\n' '*filter' ':OLD - [0:0]' '-E OLD NEW' '-A NEW -j ACCEPT' '-A INPUT -j NEW' \
		'-A INPUT -j OLD' 'COMMIT' >"$BATS_TEST_TMPDIR/in.rules"
	run --separate-stderr "$DFWGEN" check --full --format json "$BATS_TEST_TMPDIR/in.rules"
	assert_equal "$status" 1
	run jq -r '.[] | select(.severity == "error") | "\(.line):\(.column) \(.id)"' <<<"$output"
	assert_output "6:13 undeclared-chain"
}

@test "[relies-on-docker] a --noflush file may jump to Docker's chains (a note)" {
	expect relies-on-docker 3 15 <<<"$F"$'\n-A FILTERS -j DOCKER\n-A FILTERS -j DROP\nCOMMIT'
}

@test "[unknown-match] and [unknown-target] are warnings, not errors" {
	expect unknown-match 3 15 --ssh-port 0 <<<"$F"$'\n-A FILTERS -m frobnicate --x 1 -j ACCEPT\n-A FILTERS -j ACCEPT\nCOMMIT'
	assert_equal "$status" 0
	expect unknown-target 3 15 --ssh-port 0 <<<"$F"$'\n-A FILTERS -j TEE --gateway 192.0.2.1\n-A FILTERS -j ACCEPT\nCOMMIT'
	assert_equal "$status" 0
}

@test "[chain-exists] -N of a chain that exists" {
	expect chain-exists 3 4 <<<"$F"$'\n-N FILTERS\nCOMMIT'
}

@test "[bad-position] an -I position beyond the chain" {
	expect bad-position 3 12 <<<"$F"$'\n-I FILTERS 5 -j ACCEPT\nCOMMIT'
}

@test "[delete-missing] -D of a rule a flushed chain cannot hold" {
	expect delete-missing 4 0 <<<"$F"$'\n-A FILTERS -j ACCEPT\n-D FILTERS -p tcp -j DROP\nCOMMIT'
}

# ---- invariants ----

@test "[policy-line] a built-in chain line or -P in --noflush input" {
	expect policy-line 2 1 <<<$'*filter\n:INPUT DROP [0:0]\nCOMMIT'
	expect policy-line 2 1 <<<$'*filter\n-P FORWARD DROP\nCOMMIT'
}

@test "[foreign-flush] flushing INPUT, Docker's chains, or everything" {
	expect foreign-flush 2 4 <<<$'*filter\n-F INPUT\nCOMMIT'
	expect foreign-flush 2 1 <<<$'*filter\n-F\nCOMMIT'
	expect foreign-flush 2 4 <<<$'*filter\n-X DOCKER-ISOLATION-STAGE-1\nCOMMIT'
}

@test "[docker-chain] declaring Docker's chain flushes it; rules in it are lost on restart" {
	expect docker-chain 2 1 <<<$'*filter\n:DOCKER - [0:0]\nCOMMIT'
	expect docker-chain 2 1 <<<$'*nat\n:DOCKER - [0:0]\nCOMMIT'
	expect docker-chain 2 4 <<<$'*filter\n-I DOCKER -i eth0 ! -s 8.8.8.8 -j DROP\nCOMMIT'
}

@test "[established-late] a drop before the established/related rule" {
	expect established-late 3 0 <<<"$F"$'\n-A FILTERS -s 192.0.2.0/24 -j DROP\n-A FILTERS -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A FILTERS -p tcp --dport 22 -j ACCEPT\n-A FILTERS -j DROP\nCOMMIT'
}

@test "[docker-internal-late] DOCKER-USER drops before returning Docker-internal traffic" {
	expect docker-internal-late 4 0 <<<$'*filter\n:DOCKER-USER - [0:0]\n-A DOCKER-USER -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN\n-A DOCKER-USER -i eth0 -j DROP\n-A DOCKER-USER -i docker0 -j RETURN\n-A DOCKER-USER -j RETURN\nCOMMIT'
}

@test "[falls-through] a chain that does not end in an unconditional rule" {
	expect falls-through 4 0 <<<"$F"$'\n-A FILTERS -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A FILTERS -p tcp --dport 22 -j ACCEPT\nCOMMIT'
}

@test "[unreachable-rule] a rule after an unconditional DROP" {
	expect unreachable-rule 5 0 <<<"$F"$'\n-A FILTERS -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A FILTERS -j ACCEPT\n-A FILTERS -p tcp --dport 22 -j DROP\nCOMMIT'
}

@test "[unreachable-rule] not for the -j RETURN Docker appends to DOCKER-USER after dfwgen's DROP" {
	dump=$'*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:DOCKER-USER - [0:0]\n-A FORWARD -j DOCKER-USER\n-A DOCKER-USER -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN\n-A DOCKER-USER -i docker0 -j RETURN\n-A DOCKER-USER -j DROP'
	run -0 --separate-stderr "$DFWGEN" check --full --format json - <<<"$dump"$'\n-A DOCKER-USER -j RETURN\nCOMMIT'
	run -0 jq -r '.[] | .id' <<<"$output"
	refute_output --partial unreachable-rule
	# anywhere else it is still found: not last, or in another chain
	expect unreachable-rule 9 0 --full <<<"$dump"$'\n-A DOCKER-USER -j RETURN\n-A DOCKER-USER -j RETURN\nCOMMIT'
	expect unreachable-rule 5 0 <<<"$F"$'\n-A FILTERS -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A FILTERS -j ACCEPT\n-A FILTERS -j RETURN\nCOMMIT'
}

@test "[jump-not-first] INPUT's jump appended, or not first in a dump" {
	expect jump-not-first 3 1 <<<"$F"$'\n-A INPUT -j FILTERS\n-A FILTERS -j ACCEPT\nCOMMIT'
	expect jump-not-first 6 0 --full <<<$'*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:FILTERS - [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -j FILTERS\n-A FILTERS -j ACCEPT\nCOMMIT'
}

@test "[duplicate-jump] two jumps from INPUT to FILTERS" {
	expect duplicate-jump 3 0 <<<"$F"$'\n-I INPUT 1 -j FILTERS\n-I INPUT 1 -j FILTERS\n-A FILTERS -j ACCEPT\nCOMMIT'
}

@test "[forward-not-first] a dump whose FORWARD does not start with the DOCKER-USER jump" {
	expect forward-not-first 5 0 --full <<<$'*filter\n:FORWARD DROP [0:0]\n:DOCKER-USER - [0:0]\n:DOCKER - [0:0]\n-A FORWARD -o docker0 -j DOCKER\n-A FORWARD -j DOCKER-USER\n-A DOCKER-USER -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN\n-A DOCKER-USER -i docker0 -j RETURN\n-A DOCKER-USER -j DROP\nCOMMIT'
	# another manager's jump first (Tailscale, kube-proxy) while DOCKER-USER only returns: nothing is bypassed
	run -0 --separate-stderr "$DFWGEN" check --full --format json - <<<$'*filter\n:FORWARD DROP [0:0]\n:DOCKER-USER - [0:0]\n:ts-forward - [0:0]\n-A FORWARD -j ts-forward\n-A FORWARD -j DOCKER-USER\n-A ts-forward -i tailscale0 -j ACCEPT\n-A ts-forward -j RETURN\n-A DOCKER-USER -j RETURN\nCOMMIT'
	run -0 jq -r '.[] | .id' <<<"$output"
	refute_output --partial forward-not-first
}

@test "[lockout] the host chain drops SSH before any rule lets it in" {
	expect lockout 4 0 <<<"$F"$'\n-A FILTERS -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A FILTERS -m set ! --match-set trusted src -j DROP\n-A FILTERS -p tcp --dport 22 -j ACCEPT\n-A FILTERS -j DROP\nCOMMIT'
	expect lockout 5 0 --ssh-port 2222 <<<"$F"$'\n-A FILTERS -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A FILTERS -p tcp --dport 22 -j ACCEPT\n-A FILTERS -j DROP\nCOMMIT'
}

@test "--ssh-port 0 turns the lockout check off" {
	printf '%s\n' "$F" '-A FILTERS -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT' '-A FILTERS -j DROP' COMMIT >"$BATS_TEST_TMPDIR/f.rules"
	run -1 "$DFWGEN" check "$BATS_TEST_TMPDIR/f.rules"
	assert_output --partial '[lockout]'
	run -0 "$DFWGEN" check --ssh-port 0 "$BATS_TEST_TMPDIR/f.rules"
}

@test "[dnat-trap] not for whole ranges of container addresses or ports (ufw-docker's deliberate matches)" {
	run -0 --separate-stderr "$DFWGEN" check --format json - <<<$'*filter\n:DOCKER-USER - [0:0]\n-A DOCKER-USER -p udp -m udp --sport 53 --dport 1024:65535 -j RETURN\n-A DOCKER-USER -d 10.0.0.0/8 -j RETURN\n-A DOCKER-USER -j RETURN\nCOMMIT'
	run -0 jq -r '.[] | .id' <<<"$output"
	refute_output --partial dnat-trap
}

@test "[dnat-trap] --dport or -d in DOCKER-USER sees the container's port, not the published one" {
	expect dnat-trap 3 36 <<<$'*filter\n:DOCKER-USER - [0:0]\n-A DOCKER-USER -s 192.0.2.1 -p tcp --dport 8081 -j RETURN\n-A DOCKER-USER -j RETURN\nCOMMIT'
}

@test "[ctdir-missing] --ctorigdstport without --ctdir ORIGINAL" {
	expect ctdir-missing 3 36 <<<$'*filter\n:DOCKER-USER - [0:0]\n-A DOCKER-USER -p tcp -m conntrack --ctorigdstport 8081 -j RETURN\n-A DOCKER-USER -j RETURN\nCOMMIT'
}

@test "[unknown-set] a set no -s file defines is an error (a warning without -s)" {
	expect unknown-set 3 31 -s "$BATS_TEST_TMPDIR/none.sets" <<<"$F"$'\n-A FILTERS -m set --match-set dfw-x-4 src -j ACCEPT\n-A FILTERS -j ACCEPT\nCOMMIT'
	assert_equal "$status" 1
	expect unknown-set 3 31 <<<"$F"$'\n-A FILTERS -m set --match-set dfw-x-4 src -j ACCEPT\n-A FILTERS -j ACCEPT\nCOMMIT'
	assert_equal "$status" 0
}

@test "-s: ipset options anywhere (create -exist NAME, seed 001's file); sets without a family fit both" {
	printf 'create -exist ip_allow hash:net family inet hashsize 1024 maxelem 65536\nadd -exist ip_allow 192.0.2.0/24\ncreate ports bitmap:port range 1-1024\n' >"$BATS_TEST_TMPDIR/s.sets"
	run -0 "$DFWGEN" check --full -s "$BATS_TEST_TMPDIR/s.sets" - <<<$'*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m set --match-set ip_allow src -j ACCEPT\n-A INPUT -m set --match-set ports dst -j ACCEPT\nCOMMIT'
	run -0 "$DFWGEN" check --full -6 -s "$BATS_TEST_TMPDIR/s.sets" - <<<$'*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m set --match-set ports dst -j ACCEPT\nCOMMIT'
}

@test "a file's family comes from its header or its ICMPv6 before any address: dfwgen's own IPv6 output checks clean" {
	mkdir -p "$BATS_TEST_TMPDIR/empty"
	dfw -6 -c "$FIXTURES/e2e/trusted.ini" -d "$BATS_TEST_TMPDIR/empty" --live none >"$BATS_TEST_TMPDIR/own.v6"
	dfw ipsets -c "$FIXTURES/e2e/trusted.ini" -d "$BATS_TEST_TMPDIR/empty" >"$BATS_TEST_TMPDIR/own.sets"
	run -0 "$DFWGEN" check -s "$BATS_TEST_TMPDIR/own.sets" "$BATS_TEST_TMPDIR/own.v6"
	# the header says IPv6, an address says IPv4: said at the address
	expect wrong-family 4 13 --full <<<$'# Generated by ip6tables-save v1.8.9\n*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 192.0.2.1 -j ACCEPT\nCOMMIT'
}

@test "[looks-like-dump] a dump checked without --full says so once" {
	expect looks-like-dump 2 0 <<<$'*filter\n:INPUT DROP [12:3936]\n:FORWARD ACCEPT [0:0]\n-A INPUT -j ACCEPT\nCOMMIT'
	run -0 jq '[.[] | select(.id == "looks-like-dump")] | length' "$BATS_TEST_TMPDIR/out.json"
	assert_output 1
}

@test "[set-family] an inet6 set used in an IPv4 file" {
	printf 'create dfw-x-6 hash:net family inet6\nadd dfw-x-6 2001:db8::/32\n' >"$BATS_TEST_TMPDIR/x.sets"
	expect set-family 3 31 -s "$BATS_TEST_TMPDIR/x.sets" <<<"$F"$'\n-A FILTERS -m set --match-set dfw-x-6 src -j ACCEPT\n-A FILTERS -j ACCEPT\nCOMMIT'
}

@test "[hash-ip-cidr] and [set-overflow] in the set file" {
	printf 'create ip_allow hash:ip family inet maxelem 8\nadd ip_allow 192.0.2.0/28\n' >"$BATS_TEST_TMPDIR/x.sets"
	run --separate-stderr "$DFWGEN" check --format json -s "$BATS_TEST_TMPDIR/x.sets" /dev/null
	run -0 jq -r '.[] | "\(.line) \(.id)"' <<<"$output"
	assert_line '1 hash-ip-cidr'
	assert_line '1 set-overflow'
}

@test "[shadowed-rule] [redundant-rule] [duplicate-rule]: earlier rules that take every packet" {
	rules="$F"$'\n-A FILTERS -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A FILTERS -p tcp --dport 22 -j ACCEPT\n-A FILTERS -s 10.0.0.0/8 -j DROP\n-A FILTERS -s 10.1.0.0/16 -p tcp -m tcp --dport 80 -j ACCEPT\n-A FILTERS -s 10.1.2.0/24 -j DROP\n-A FILTERS -p tcp --dport 22 -j ACCEPT\n-A FILTERS -j DROP\nCOMMIT'
	expect shadowed-rule 6 0 <<<"$rules"
	expect redundant-rule 7 0 <<<"$rules"
	expect duplicate-rule 8 0 <<<"$rules"
}

@test "shadowing never reports what it cannot prove: rate limits, unknown matches, partial overlaps" {
	printf '%s\n' "$F" \
		'-A FILTERS -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT' \
		'-A FILTERS -p tcp --dport 22 -m limit --limit 1/s -j ACCEPT' \
		'-A FILTERS -p tcp --dport 22 -j DROP' \
		'-A FILTERS -m frobnicate --x 1 -j DROP' \
		'-A FILTERS -m frobnicate --x 1 -p tcp -j ACCEPT' \
		'-A FILTERS -p tcp -m multiport --dports 80,443 -j DROP' \
		'-A FILTERS -p tcp -m multiport --dports 443,8443 -j ACCEPT' \
		'-A FILTERS -s 10.0.0.0/8 -j DROP' \
		'-A FILTERS ! -s 10.0.0.0/8 -p udp -j ACCEPT' \
		'-A FILTERS -i br-+ -j RETURN' \
		'-A FILTERS -i eth0 -j RETURN' \
		'-A FILTERS -j DROP' COMMIT >"$BATS_TEST_TMPDIR/f.rules"
	run --separate-stderr "$DFWGEN" check --ssh-port 0 --format json "$BATS_TEST_TMPDIR/f.rules"
	run -0 jq -r '[.[] | select(.id | test("shadow|redundant|duplicate|unreachable"))] | length' <<<"$output"
	assert_output 0
}

# ---- clean files ----

@test "a Swarm host's dump checks clean: Docker's VXLAN DROP above the jump bypasses nothing" {
	run -0 --separate-stderr "$DFWGEN" check --full "$FIXTURES/docker/swarm25.v4"
	assert_equal "$stderr" ""
}

@test "Docker 27 and 28 iptables-save dumps check clean as --full dumps" {
	for f in "$FIXTURES"/docker/*.v4; do run -0 "$DFWGEN" check --full "$f"; done
	for f in "$FIXTURES"/docker/*.v6; do run -0 "$DFWGEN" check --full -6 "$f"; done
}

@test "the seed's iptables-rules.txt checks clean after its documented fixes" {
	run -0 --separate-stderr "$DFWGEN" check -s "$FIXTURES/check/seed-ip_allow.sets" "$FIXTURES/check/seed-iptables-rules.txt"
	assert_equal "$stderr" ""
}

@test "the seed's iptables-rules.txt as published: its two problems are found" {
	run -0 --separate-stderr "$DFWGEN" check --format json -s "$FIXTURES/check/seed-ip_allow-as-published.sets" "$FIXTURES/check/seed-iptables-rules-as-published.txt"
	run -0 jq -r '.[] | "\(.severity) \(.id)"' <<<"$output"
	# a --noflush file on its own cannot know whether INPUT jumps already: a note
	assert_output $'warning hash-ip-cidr\nnote no-input-jump'
}

@test "[no-input-jump] a host chain nothing in the file jumps to" {
	# a dump: INPUT is known, and does not jump
	expect no-input-jump 3 0 --full <<<$'*filter\n:INPUT ACCEPT [0:0]\n:FILTERS - [0:0]\n-A FILTERS -j ACCEPT\nCOMMIT'
	assert_equal "$status" 0
	# a --noflush file alone (dfwgen's own output once its jump is in force): a note, so -W error passes
	run -0 "$DFWGEN" check -W error - <<<"$F"$'\n-A FILTERS -j ACCEPT\nCOMMIT'
	assert_output --partial 'note: FILTERS is declared but nothing in this file jumps to it'
}

@test "[established-late] not for a drop that only sees new connections (SYN only, state NEW/INVALID)" {
	# the widely copied ufw-docker block drops SYNs to private ranges before any RETURN
	for m in '-p tcp --tcp-flags FIN,SYN,RST,ACK SYN -d 192.168.0.0/16' '-p tcp --syn' '-m conntrack --ctstate INVALID' '-m state --state NEW -p udp'; do
		run -0 --separate-stderr "$DFWGEN" check --format json - <<<$'*filter\n:DOCKER-USER - [0:0]\n-A DOCKER-USER -i docker0 -j RETURN\n-A DOCKER-USER '"$m"$' -j DROP\n-A DOCKER-USER -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN\n-A DOCKER-USER -j RETURN\nCOMMIT'
		run -0 jq -r '.[] | .id' <<<"$output"
		refute_output --partial established-late
	done
	# in DOCKER-USER the message speaks of the containers, not the host
	expect established-late 4 0 <<<$'*filter\n:DOCKER-USER - [0:0]\n-A DOCKER-USER -i docker0 -j RETURN\n-A DOCKER-USER -p tcp -j DROP\n-A DOCKER-USER -j RETURN\nCOMMIT'
	assert_output --partial "replies to the containers' and their clients' connections die"
}

# ---- output and options ----

@test "text diagnostics are gcc-style with the line and a caret under the token" {
	printf '%s\n' "$G" '-A FILTERS -p tcp --dport 70000 -j ACCEPT' '-A FILTERS -j ACCEPT' COMMIT >"$BATS_TEST_TMPDIR/f.rules"
	run -1 --separate-stderr "$DFWGEN" check "$BATS_TEST_TMPDIR/f.rules"
	assert_equal "$stderr" "$BATS_TEST_TMPDIR/f.rules:4:27: error: --dport '70000': a port must be 0 to 65535 [bad-port]
  -A FILTERS -p tcp --dport 70000 -j ACCEPT
                            ^~~~~"
}

@test "JSON output parses and says what the text says" {
	printf '%s\n' "$F" '-A FILTERS -p tcp --dport 70000 -j ACCEPT' '-A FILTERS -m frobnicate -j ACCEPT' '-A FILTERS -j ACCEPT' COMMIT >"$BATS_TEST_TMPDIR/f.rules"
	# [bad-port] at a column, [unknown-match] at a column, [no-input-jump] at a line
	run -1 --separate-stderr "$DFWGEN" check "$BATS_TEST_TMPDIR/f.rules"
	text=$stderr
	run -1 --separate-stderr "$DFWGEN" check --format json "$BATS_TEST_TMPDIR/f.rules"
	run -0 jq -r '.[] | "\(.file):\(.line):\(if .column > 0 then "\(.column):" else "" end) \(.severity): \(.message) [\(.id)]"' <<<"$output"
	for line in "${lines[@]}"; do
		[[ "$text" == *"$line"* ]]
	done
	assert_equal "${#lines[@]}" 3
}

@test "-W error turns warnings into errors" {
	printf '%s\n' "$G" '-A FILTERS -m frobnicate -j ACCEPT' '-A FILTERS -j ACCEPT' COMMIT >"$BATS_TEST_TMPDIR/f.rules"
	run -0 "$DFWGEN" check --ssh-port 0 "$BATS_TEST_TMPDIR/f.rules"
	run -1 "$DFWGEN" check --ssh-port 0 -W error "$BATS_TEST_TMPDIR/f.rules"
	assert_output --partial 'error: match'
}

@test "check reads standard input, and several files" {
	run -0 bash -c "\"$DFWGEN\" check -6 -s \"$GOLDEN/ryandaniels/ipsets\" <\"$GOLDEN/ryandaniels/rules.v6\""
	run -1 "$DFWGEN" check -s "$GOLDEN/ryandaniels/ipsets" "$GOLDEN/ryandaniels/rules.v4" "$FIXTURES/check/broken/01-missing-commit.rules"
	assert_output --partial '01-missing-commit.rules:1:1: error'
}

@test "an unreadable file is exit 2" {
	run -2 "$DFWGEN" check "$BATS_TEST_TMPDIR/missing.rules"
	assert_output "dfwgen: error: cannot read '$BATS_TEST_TMPDIR/missing.rules': No such file or directory [unreadable]"
}

@test "binary garbage and a 1 MB line are errors, quickly, without crashing" {
	head -c 65536 /dev/urandom >"$BATS_TEST_TMPDIR/garbage"
	run -1 timeout 10 "$DFWGEN" check "$BATS_TEST_TMPDIR/garbage"
	{ echo '*filter'; printf -- '-A INPUT -m comment --comment %s -j ACCEPT\n' "$(head -c 1000000 /dev/zero | tr '\0' x)"; echo COMMIT; } >"$BATS_TEST_TMPDIR/long"
	run -1 --separate-stderr timeout 10 "$DFWGEN" check "$BATS_TEST_TMPDIR/long"
	assert_equal "${#stderr}" "$(( ${#stderr} < 2000 ? ${#stderr} : -1 ))"
}

# ---- [policy NAME] with PCRE2 ----

@test "[policy-forbid] a forbidden pattern is an error at the rule, naming the policy" {
	c=$(cfg p.ini <<<$'[policy no-world-ssh]\nforbid = ^-A FILTERS .*--dport 22 .*-j ACCEPT\nmessage = SSH only from the bastion')
	printf '%s\n' "$F" '-A FILTERS -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT' '-A FILTERS -p tcp -m tcp --dport 22 -j ACCEPT' '-A FILTERS -j DROP' COMMIT >"$BATS_TEST_TMPDIR/f.rules"
	run -1 --separate-stderr "$DFWGEN" check -c "$c" -d "$BATS_TEST_TMPDIR/none" "$BATS_TEST_TMPDIR/f.rules" 2>/dev/null || true
	mkdir -p "$BATS_TEST_TMPDIR/none"
	run -1 --separate-stderr "$DFWGEN" check -c "$c" -d "$BATS_TEST_TMPDIR/none" "$BATS_TEST_TMPDIR/f.rules"
	[[ "$stderr" == *"f.rules:4: error: [policy no-world-ssh] forbids this rule: SSH only from the bastion [policy-forbid]"* ]]
}

@test "[policy-require] a required rule that is missing is an error at the chain" {
	mkdir -p "$BATS_TEST_TMPDIR/none"
	c=$(cfg p.ini <<<$'[policy log-drops]\nchain = FILTERS\nrequire = -j LOG')
	printf '%s\n' "$F" '-A FILTERS -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT' '-A FILTERS -p tcp -m tcp --dport 22 -j ACCEPT' '-A FILTERS -j DROP' COMMIT >"$BATS_TEST_TMPDIR/f.rules"
	run -1 --separate-stderr "$DFWGEN" check -c "$c" -d "$BATS_TEST_TMPDIR/none" "$BATS_TEST_TMPDIR/f.rules"
	[[ "$stderr" == *"f.rules:2: error: [policy log-drops] requires a rule in FILTERS matching /-j LOG/ and none does [policy-require]"* ]]
}

@test "[bad-regex] a broken pattern is a config error with PCRE2's message and offset" {
	mkdir -p "$BATS_TEST_TMPDIR/none"
	c=$(cfg p.ini <<<$'[policy broken]\nforbid = -j (ACCEPT')
	run -2 --separate-stderr "$DFWGEN" check -c "$c" -d "$BATS_TEST_TMPDIR/none" /dev/null
	assert_equal "$stderr" "$c:2:20: error: [policy broken]: missing closing parenthesis (at offset 10 of the pattern) [bad-regex]
  forbid = -j (ACCEPT
                     ^"
}

@test "the generator checks its own output against [policy] sections" {
	c=$(cfg g.ini <<<$'[host]\ntcp = 22, 23\n[policy no-telnet]\nforbid = --dport 23 \nmessage = telnet stays closed')
	run -1 --separate-stderr dfwc "$c"
	assert_equal "$output" ""
	[[ "$stderr" == *"error: [policy no-telnet] forbids this rule: telnet stays closed [policy-forbid]"* ]]
}

@test "a 100,000-rule dump is checked, shadow analysis included, in well under a minute" {
	awk 'BEGIN {
		print "*filter"; print ":INPUT ACCEPT [0:0]"; print ":FORWARD DROP [0:0]"; print ":OUTPUT ACCEPT [0:0]"
		print ":DOCKER - [0:0]"; print ":DOCKER-USER - [0:0]"
		print "-A FORWARD -j DOCKER-USER"; print "-A FORWARD -o docker0 -j DOCKER"
		for (i = 0; i < 50000; i++)
			printf "-A DOCKER -d 172.%d.%d.%d/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport %d -j ACCEPT\n", 16 + int(i / 65536) % 16, int(i / 256) % 256, i % 256, 1024 + i % 50000
		for (i = 0; i < 50000; i++)
			printf "-A DOCKER-USER -s 10.%d.%d.0/24 -m comment --comment \"allow %d\" -j RETURN\n", int(i / 256) % 256, i % 256, i
		print "-A DOCKER-USER -j RETURN"; print "COMMIT"
	}' >"$BATS_TEST_TMPDIR/big.dump"
	run -0 timeout 60 "$DFWGEN" check --full "$BATS_TEST_TMPDIR/big.dump"
}

# ---- big files ----

# has ID LINE FILE.json: the JSON output holds ID at LINE
has() { jq -e --arg id "$1" --argjson line "$2" 'any(.[]; .id == $id and .line == $line)' "$3" >/dev/null; }

@test "a big file: every finding located where it stands" {
	# 6,000 rules and problems in both halves: a bad address, a rule after
	# COMMIT, an unbalanced quote, an IPv6 address in an IPv4 file, a duplicate
	awk 'BEGIN {
		print "*filter"; print ":C - [0:0]"
		for (i = 0; i < 6000; i++) {
			if (i == 100 || i == 5000) print "-A C -s 10.0.0.300 -j ACCEPT"
			else if (i == 4000) print "-A C -m comment --comment \"open -j ACCEPT"
			else if (i == 4500) print "-A C -s 2001:db8::1 -j ACCEPT"
			else if (i == 5500) print "-A C -s 10.0.0.5 -j DROP"
			else print "-A C -s 10.0." int(i / 250) "." (i % 250) " -j ACCEPT"
		}
		print "COMMIT"; print "-A C -j DROP"
	}' >"$BATS_TEST_TMPDIR/big.rules"
	run --separate-stderr "$DFWGEN" check --full --format json "$BATS_TEST_TMPDIR/big.rules"
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/two.json"
	assert_equal "$status" 1
	# the findings, located where they stand (lines: rule i is on line i + 3)
	has bad-address 103 "$BATS_TEST_TMPDIR/two.json"
	has bad-address 5003 "$BATS_TEST_TMPDIR/two.json"
	has unbalanced-quote 4003 "$BATS_TEST_TMPDIR/two.json"
	has wrong-family 4503 "$BATS_TEST_TMPDIR/two.json"
	has shadowed-rule 5503 "$BATS_TEST_TMPDIR/two.json"
	has outside-table 6004 "$BATS_TEST_TMPDIR/two.json"
	# the parser's findings in line order
	run jq -r '[.[] | select(.id != "shadowed-rule") | .line] | . == sort' "$BATS_TEST_TMPDIR/two.json"
	assert_output true
}

@test "the family an early line fixes holds later on, and a file fixed only late is that family" {
	# IPv6 from line 2 on: the IPv4 address in the second half is the wrong family
	{ echo '*filter'; echo '-A INPUT -s 2001:db8::1 -j ACCEPT'; for i in $(seq 1 20); do echo '-A INPUT -j ACCEPT'; done
	  echo '-A INPUT -s 192.0.2.1 -j ACCEPT'; echo 'COMMIT'; } >"$BATS_TEST_TMPDIR/v6.rules"
	run --separate-stderr "$DFWGEN" check --format json "$BATS_TEST_TMPDIR/v6.rules"
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/v6.json"
	has wrong-family 23 "$BATS_TEST_TMPDIR/v6.json"
	# no address before the second half: its IPv6 address makes the file IPv6,
	# so an ICMPv6 reject type is right and an IPv4 address after it is not
	{ echo '*filter'; for i in $(seq 1 20); do echo '-A INPUT -j ACCEPT'; done
	  echo '-A INPUT -s 2001:db8::1 -j ACCEPT'; echo '-A INPUT -j REJECT --reject-with icmp6-adm-prohibited'
	  echo '-A INPUT -s 192.0.2.1 -j ACCEPT'; echo 'COMMIT'; } >"$BATS_TEST_TMPDIR/late.rules"
	run --separate-stderr "$DFWGEN" check --format json "$BATS_TEST_TMPDIR/late.rules"
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/late.json"
	has wrong-family 24 "$BATS_TEST_TMPDIR/late.json"
	run jq -e 'any(.[]; .id == "bad-value")' "$BATS_TEST_TMPDIR/late.json"
	assert_failure
}

@test "ICMPv6 after a line with a NUL byte still makes the file IPv6" {
	# the search for ICMPv6 runs over each NUL-ended stretch of the text
	printf '*filter\n-A INPUT -j ACCEPT\000x\n-A INPUT -p ipv6-icmp -j ACCEPT\n-A INPUT -s 10.0.0.1 -j ACCEPT\nCOMMIT\n' \
		>"$BATS_TEST_TMPDIR/nul.rules"
	run --separate-stderr "$DFWGEN" check --format json "$BATS_TEST_TMPDIR/nul.rules"
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/nul.json"
	has bad-syntax 2 "$BATS_TEST_TMPDIR/nul.json"
	has wrong-family 4 "$BATS_TEST_TMPDIR/nul.json"
}

@test "shadowing: every chain's findings, in chain order" {
	# five chains of different sizes, each with a duplicate and a shadowed rule
	awk 'BEGIN {
		print "*filter"
		for (c = 1; c <= 5; c++) print ":C" c " - [0:0]"
		for (c = 1; c <= 5; c++) {
			for (i = 0; i < 400 * c; i++) print "-A C" c " -s 10." c "." int(i / 200) "." (i % 200) " -j ACCEPT"
			print "-A C" c " -s 10." c ".0.0 -j ACCEPT"
			print "-A C" c " -s 10." c ".0.1 -j DROP"
		}
		print "COMMIT"
	}' >"$BATS_TEST_TMPDIR/chains.rules"
	run --separate-stderr "$DFWGEN" check --full --format json "$BATS_TEST_TMPDIR/chains.rules"
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/chains.json"
	run jq -r '[.[] | select(.id == "duplicate-rule" or .id == "shadowed-rule") | .id] | length' "$BATS_TEST_TMPDIR/chains.json"
	assert_output 10
	# C5's findings come after C1's, as the chains stand in the file
	run jq -r '[.[] | select(.id == "duplicate-rule") | .line] | . == sort' "$BATS_TEST_TMPDIR/chains.json"
	assert_output true
}

@test "a big file: the state's findings, the lines', then shadowing, as in a small one" {
	# 5,006 rules: the lines are checked on the second thread while the
	# state is made (both.h); the state's findings still come first
	awk 'BEGIN {
		print "*filter"; print ":FILTERS - [0:0]"; print "-I INPUT 1 -j FILTERS"
		for (i = 0; i < 5000; i++) print "-A FILTERS -s 10.1." int(i / 250) "." (i % 250) " -j ACCEPT"
		print "-A FILTERS -m conntrack --ctorigdstport 80 -j ACCEPT"
		print "-A FILTERS -j NOSUCH"
		print "-A FILTERS -s 10.1.0.0 -j ACCEPT"
		print "COMMIT"
	}' >"$BATS_TEST_TMPDIR/big.rules"
	run --separate-stderr "$DFWGEN" check --format json "$BATS_TEST_TMPDIR/big.rules"
	assert_equal "$status" 1
	run jq -r '[.[] | "\(.line) \(.id)"] | join(", ")' <<<"$output"
	assert_output "5005 undeclared-chain, 5004 ctdir-missing, 5006 falls-through, 5006 duplicate-rule"
}

@test "the checks of the file, of its state, then shadowing: findings in that order" {
	# check_lines (ctdir-missing, jump-not-first), then check_sets
	# (unknown-set), then the state's (established-late, duplicate-jump), then
	# shadowing (duplicate-rule): the order dfwgen always reported them in
	printf '%s\n' '*filter' ':FILTERS - [0:0]' '-I INPUT 1 -j FILTERS' \
		'-A FILTERS -m conntrack --ctorigdstport 80 -j ACCEPT' '-A FILTERS -m set --match-set nosuch src -j ACCEPT' \
		'-A INPUT -j FILTERS' '-A FILTERS -m conntrack --ctorigdstport 81 -j ACCEPT' '-A FILTERS -j DROP' 'COMMIT' \
		>"$BATS_TEST_TMPDIR/order.rules"
	run --separate-stderr "$DFWGEN" check --format json "$BATS_TEST_TMPDIR/order.rules"
	assert_equal "$status" 1
	run jq -r '[.[] | "\(.line) \(.id)"] | join(", ")' <<<"$output"
	assert_output "4 ctdir-missing, 6 jump-not-first, 7 ctdir-missing, 5 unknown-set, 8 established-late, 6 duplicate-jump, 6 duplicate-rule"
}
