#!/usr/bin/env bats
# Generated output for the seeds' scenarios, compared byte for byte with the
# golden files beside each config (make golden regenerates them for review).

setup() {
	load test_helper
	mkdir -p "$BATS_TEST_TMPDIR/empty"
}

# golden_matches DIR: every output of the config in DIR equals its golden file.
golden_matches() {
	local dir="$GOLDEN/$1" fam live
	for fam in 4 6; do
		[ -f "$dir/rules.v$fam" ] || continue
		live=none
		[ -f "$dir/live.v$fam" ] && live="$dir/live.v$fam"
		run -0 --separate-stderr dfw -c "$dir/dfwgen.ini" -d "$BATS_TEST_TMPDIR/empty" --live "$live" -$fam
		assert_equal "$output" "$(cat "$dir/rules.v$fam")"
	done
	run -0 --separate-stderr dfw -c "$dir/dfwgen.ini" -d "$BATS_TEST_TMPDIR/empty" ipsets
	assert_equal "$output" "$(cat "$dir/ipsets")"
}

@test "Ryan Daniels' FILTERS + DOCKER-USER policy with SSH public matches its golden files" {
	golden_matches ryandaniels
}

@test "the dev.to django 8081->8080 + postgres case matches its golden files" {
	golden_matches devto-django
}

@test "the Firewalling Docker Host 2 case matches its golden files" {
	golden_matches host2
}

@test "the words ufw users rely on (ports by name, several per [port], [set] interfaces, [limit], [egress]) match their golden files" {
	golden_matches ufw-words
}

@test "a live ruleset with duplicated and misplaced jumps is repaired as the golden file says" {
	golden_matches live-repair
}

@test "Ryan Daniels: DOCKER-USER keeps the seed's order (established, internal, allow, drop)" {
	run -0 grep -e '^-A DOCKER-USER' "$GOLDEN/ryandaniels/rules.v4"
	assert_line --index 0 --partial '--ctstate RELATED,ESTABLISHED'
	assert_line --index 1 --partial '-i docker0'
	assert_line --index 2 --partial '-i docker_gwbridge'
	assert_line --index 3 --partial '--match-set dfw-ip_allow-4 src'
	assert_line --index 4 --partial '-j DROP'
	# the seed's subnet RETURNs let spoofed outside sources through: the
	# bridges above say what is Docker-internal
	refute_output --partial '-s 172.1'
}

@test "dev.to: the allowlist matches the published port 8081, and 5432 is not opened" {
	run -0 cat "$GOLDEN/devto-django/rules.v4"
	assert_line '-A DOCKER-USER -p tcp -m conntrack --ctorigdstport 8081 --ctdir ORIGINAL -s 198.51.100.69/32 -m comment --comment "dfwgen: [port web]" -j RETURN'
	refute_output --partial '8080'
	refute_output --partial '5432'
}

@test "every golden file passes dfwgen check with no errors" {
	for f in "$GOLDEN"/*/rules.v4 "$GOLDEN"/*/rules.v6; do
		fam=4
		[[ $f == *v6 ]] && fam=6
		run -0 "$DFWGEN" check -$fam -s "$(dirname "$f")/ipsets" "$f"
	done
}

@test "generated files carry no built-in chain policy and touch no chain dfwgen does not own" {
	for f in "$GOLDEN"/*/rules.v*; do
		run -1 grep -E '^:(INPUT|FORWARD|OUTPUT) |^-[FXPZE] |^\*nat|^:DOCKER |^-A DOCKER ' "$f"
	done
}

@test "valgrind finds no error and no leak on the golden scenarios" {
	command -v valgrind >/dev/null || skip "valgrind is not installed (./install.sh installs it)"
	[ -z "${DFW_SANITIZED_PASS:-}" ] || skip "valgrind cannot run an AddressSanitizer build"
	vg=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect)
	for dir in "$GOLDEN"/*/; do
		run "${vg[@]}" "$DFWGEN" -t "$TEMPLATES" -c "$dir/dfwgen.ini" -d "$BATS_TEST_TMPDIR/empty" --live none
		[ "$status" -ne 99 ]
		run "${vg[@]}" "$DFWGEN" ipsets -t "$TEMPLATES" -c "$dir/dfwgen.ini" -d "$BATS_TEST_TMPDIR/empty"
		[ "$status" -ne 99 ]
		run "${vg[@]}" "$DFWGEN" check -s "$dir/ipsets" "$dir/rules.v4"
		[ "$status" -ne 99 ]
	done
	# an error path too: diagnostics are freed as well
	c=$(cfg bad.ini <<<$'[host]\ntcp = 99999\n[docker]\nbridges = x y')
	run "${vg[@]}" "$DFWGEN" -t "$TEMPLATES" -c "$c" -d "$BATS_TEST_TMPDIR/empty" --live none
	assert_equal "$status" 2
}
