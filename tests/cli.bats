#!/usr/bin/env bats
# The command line: commands, options anywhere, -o, exit codes, help.

setup() {
	load test_helper
	mkdir -p "$BATS_TEST_TMPDIR/empty"
	CONF="$GOLDEN/ryandaniels/dfwgen.ini"
}

@test "options may stand before or after the command word" {
	run -0 dfw -d "$BATS_TEST_TMPDIR/empty" -c "$CONF" config
	before=$output
	run -0 dfw config -d "$BATS_TEST_TMPDIR/empty" -c "$CONF"
	assert_equal "$output" "$before"
}

@test "rules is the default command" {
	run -0 dfw -c "$CONF" -d "$BATS_TEST_TMPDIR/empty" --live none
	a=$output
	run -0 dfw rules -c "$CONF" -d "$BATS_TEST_TMPDIR/empty" --live none
	assert_equal "$output" "$a"
}

@test "-o writes the file atomically and prints nothing" {
	run -0 dfw -c "$CONF" -d "$BATS_TEST_TMPDIR/empty" --live none -o "$BATS_TEST_TMPDIR/rules.txt"
	assert_output ""
	run -0 cmp "$BATS_TEST_TMPDIR/rules.txt" "$GOLDEN/ryandaniels/rules.v4"
	run -0 bash -c "ls \"$BATS_TEST_TMPDIR\" | grep -c 'rules.txt'"
	assert_output 1
}

@test "a failing run leaves the -o file untouched and creates no temporary file" {
	echo "previous content" >"$BATS_TEST_TMPDIR/rules.txt"
	c=$(cfg bad.ini <<<$'[host]\ntcp = 99999')
	run -2 dfw -c "$c" -d "$BATS_TEST_TMPDIR/empty" --live none -o "$BATS_TEST_TMPDIR/rules.txt"
	run -0 cat "$BATS_TEST_TMPDIR/rules.txt"
	assert_output "previous content"
	run -0 bash -c "ls \"$BATS_TEST_TMPDIR\" | grep -c 'rules.txt'"
	assert_output 1
}

@test "an unknown command or option is a usage error, exit 2" {
	run -2 --separate-stderr dfw frobnicate
	assert_equal "$stderr" "dfwgen: unknown command 'frobnicate'
(dfwgen --help lists the commands and options)"
	run -2 --separate-stderr dfw --frobnicate
	[[ "$stderr" == "dfwgen: unknown option or missing argument: '--frobnicate'"* ]]
	run -2 dfw -c
}

@test "check's options are refused for the generator, and the generator's for check" {
	run -2 --separate-stderr dfw -c "$CONF" -d "$BATS_TEST_TMPDIR/empty" --full
	[[ "$stderr" == *"belong to 'check', not 'rules'"* ]]
	run -2 --separate-stderr "$DFWGEN" check --live none /dev/null
	[[ "$stderr" == *"do not apply to 'check'"* ]]
}

@test "--help and --version" {
	run -0 "$DFWGEN" --help
	assert_line --partial 'usage: dfwgen [options] [rules]'
	assert_line --partial 'exit status: 0 success, 1 the ruleset violates an invariant, 2 usage or config error'
	run -0 "$DFWGEN" -V
	assert_output --regexp '^dfwgen [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "without root and without --live, the live ruleset is unknown: a warning, output still printed" {
	as_user=()
	[ "$(id -u)" -ne 0 ] || as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	run -0 --separate-stderr "${as_user[@]}" "$DFWGEN" -t "$TEMPLATES" -c /dev/null -d "$ROOT/rules.d"
	assert_line '-I INPUT 1 -j FILTERS'
	assert_equal "$stderr" "dfwgen: warning: not root, so the live ruleset is unknown: the output assumes no jump to FILTERS, DOCKER-USER or DFWGEN-FORWARD exists yet (pass --live FILE or --live none) [live-unknown]"
}

@test "--live with a file that is not a ruleset is an error, nothing printed" {
	printf 'this is not iptables-save output\n' >"$BATS_TEST_TMPDIR/live"
	run -2 --separate-stderr dfw -c "$CONF" -d "$BATS_TEST_TMPDIR/empty" --live "$BATS_TEST_TMPDIR/live"
	assert_equal "$output" ""
	[[ "$stderr" == *"[live-unreadable]"* ]]
}

@test "a user template directory overrides the shipped one, and its output is still validated" {
	cp -r "$TEMPLATES" "$BATS_TEST_TMPDIR/tpl"
	echo '-A FILTERS -p tcp --dport 8443 -m comment --comment "site rule" -j ACCEPT' >>"$BATS_TEST_TMPDIR/tpl/host.rules"
	added=$(wc -l <"$BATS_TEST_TMPDIR/tpl/host.rules")
	run -1 --separate-stderr "$DFWGEN" -t "$BATS_TEST_TMPDIR/tpl" -c "$CONF" -d "$BATS_TEST_TMPDIR/empty" --live none
	assert_equal "$output" ""
	[[ "$stderr" == *"[unreachable-rule]"* ]]
	[[ "$stderr" == *"tpl/host.rules:$added: note: the rule comes from this template line"* ]]
	sed -i '$d' "$BATS_TEST_TMPDIR/tpl/host.rules"
	sed -i 's/^-A FILTERS {{host_allow.match}}/-A FILTERS -p tcp --dport 8443 -j ACCEPT\n&/' "$BATS_TEST_TMPDIR/tpl/host.rules"
	run -0 "$DFWGEN" -t "$BATS_TEST_TMPDIR/tpl" -c "$CONF" -d "$BATS_TEST_TMPDIR/empty" --live none
	assert_line '-A FILTERS -p tcp --dport 8443 -j ACCEPT'
}

@test "a template that flushes INPUT is stopped by the validator" {
	cp -r "$TEMPLATES" "$BATS_TEST_TMPDIR/tpl"
	sed -i '1i -F INPUT' "$BATS_TEST_TMPDIR/tpl/host.rules"
	run -1 --separate-stderr "$DFWGEN" -t "$BATS_TEST_TMPDIR/tpl" -c "$CONF" -d "$BATS_TEST_TMPDIR/empty" --live none
	assert_equal "$output" ""
	[[ "$stderr" == *"error: -F INPUT: dfwgen's files never flush, delete, zero or rename a chain they do not own (INPUT holds Docker Swarm's rules) [foreign-flush]"* ]]
}

@test "unknown and unterminated placeholders are located in the template" {
	cp -r "$TEMPLATES" "$BATS_TEST_TMPDIR/tpl"
	n=$(wc -l <"$BATS_TEST_TMPDIR/tpl/containers.rules")
	echo '-A DOCKER-USER -s {{trusted_net}} -j RETURN' >>"$BATS_TEST_TMPDIR/tpl/containers.rules"
	echo '-A DOCKER-USER -s {{host_allow.match -j RETURN' >>"$BATS_TEST_TMPDIR/tpl/containers.rules"
	echo '-A DOCKER-USER {{host_allow.nope}} -j RETURN' >>"$BATS_TEST_TMPDIR/tpl/containers.rules"
	run -2 --separate-stderr "$DFWGEN" -t "$BATS_TEST_TMPDIR/tpl" -c "$CONF" -d "$BATS_TEST_TMPDIR/empty" --live none
	assert_equal "$output" ""
	[[ "$stderr" == *"tpl/containers.rules:$((n + 1)):19: error: unknown placeholder 'trusted_net' (README lists them) [template-unknown]"* ]]
	[[ "$stderr" == *"tpl/containers.rules:$((n + 2)):19: error: placeholder is not closed with '}}' [template-syntax]"* ]]
	[[ "$stderr" == *"tpl/containers.rules:$((n + 3)):16: error: 'host_allow' has no field 'nope' [template-unknown]"* ]]
	# each reported once, though the container rules are rendered twice
	assert_equal "$(grep -c "unknown placeholder 'trusted_net'" <<<"$stderr")" 1
}

@test "a containers.rules line that does not append to DOCKER-USER is refused, located" {
	cp -r "$TEMPLATES" "$BATS_TEST_TMPDIR/tpl"
	n=$(wc -l <"$BATS_TEST_TMPDIR/tpl/containers.rules")
	echo '-I DOCKER-USER 1 -j RETURN' >>"$BATS_TEST_TMPDIR/tpl/containers.rules"
	run -2 --separate-stderr "$DFWGEN" -t "$BATS_TEST_TMPDIR/tpl" -c "$CONF" -d "$BATS_TEST_TMPDIR/empty" --live none
	assert_equal "$output" ""
	[[ "$stderr" == *"tpl/containers.rules:$((n + 1)):1: error: every line of containers.rules must append to DOCKER-USER"*"[template-syntax]"* ]]
}

@test "the output contains no rule the config did not ask for (injection attempts are refused)" {
	for value in '22 -j ACCEPT' '--dport 1' 'COMMIT' '*nat' '22;-A INPUT -j ACCEPT'; do
		c=$(cfg inj.ini <<<"[host]
tcp = $value")
		run -2 dfw -c "$c" -d "$BATS_TEST_TMPDIR/empty" --live none
		assert_output --partial '[bad-port]'
	done
	for value in 'eth0 -j ACCEPT' 'x" -j ACCEPT "' 'eth0\n-A'; do
		c=$(cfg inj.ini <<<"[host]
tcp = 22
[docker]
external = $value")
		run -2 dfw -c "$c" -d "$BATS_TEST_TMPDIR/empty" --live none
		assert_output --partial '[bad-interface]'
	done
	# a legal interface called COMMIT stays an argument, never a line of its own
	c=$(cfg inj.ini <<<$'[host]\ntcp = 22\n[docker]\nexternal = COMMIT')
	run -0 dfw -c "$c" -d "$BATS_TEST_TMPDIR/empty" --live none
	run -0 grep -c '^COMMIT$' <<<"$output"
	assert_output 2 # the mangle table's guard and the filter table
}

@test "-c without -d says that the default drop-in directory is merged too" {
	[ -d /etc/dfwgen/rules.d ] || skip "no /etc/dfwgen/rules.d here (install.sh makes it)"
	c=$(cfg c.ini <<<$'[host]\ntcp = 22')
	run -0 --separate-stderr "$DFWGEN" -t "$TEMPLATES" -c "$c" --live none --no-strict-modes
	[[ "$stderr" == *"note: -c $c without -d: the drop-ins of /etc/dfwgen/rules.d are merged too (-d DIR names another directory; an empty one merges none) [dropins-merged]"* ]]
	mkdir -p "$BATS_TEST_TMPDIR/none"
	run -0 --separate-stderr "$DFWGEN" -t "$TEMPLATES" -c "$c" -d "$BATS_TEST_TMPDIR/none" --live none
	[[ "$stderr" != *"dropins-merged"* ]]
}
