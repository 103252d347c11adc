#!/usr/bin/env bats
# Every input the fuzzers ever crashed, leaked or hung on, replayed through the
# same command line (make check also runs this against the sanitizer build).

setup() {
	load test_helper
	mkdir -p "$BATS_TEST_TMPDIR/empty"
}

# Exit 0, 1 or 2 is an answer; anything else (a signal, a sanitizer abort) is a bug.
answers() {
	run timeout 20 "$@"
	[ "$status" -le 2 ] || { echo "status $status: $*" >&2; return 1; }
}

@test "config inputs the fuzzer found are answered, not crashed on" {
	for f in "$BATS_TEST_DIRNAME"/fuzz/regressions/config/*; do
		[ -e "$f" ] || continue
		answers "$DFWGEN" -t "$TEMPLATES" -c "$f" -d "$BATS_TEST_TMPDIR/empty" --live none
		answers "$DFWGEN" ipsets -t "$TEMPLATES" -c "$f" -d "$BATS_TEST_TMPDIR/empty"
	done
}

@test "restore files the fuzzer found are answered, not crashed on" {
	for f in "$BATS_TEST_DIRNAME"/fuzz/regressions/ruleset/*; do
		answers "$DFWGEN" check "$f"
		answers "$DFWGEN" check --full -6 "$f"
	done
}

@test "templates the fuzzer found are answered, not crashed on" {
	for f in "$BATS_TEST_DIRNAME"/fuzz/regressions/template/*; do
		mkdir -p "$BATS_TEST_TMPDIR/tpl"
		cp "$f" "$BATS_TEST_TMPDIR/tpl/host.rules"
		cp "$TEMPLATES/containers.rules" "$BATS_TEST_TMPDIR/tpl/"
		answers "$DFWGEN" -t "$BATS_TEST_TMPDIR/tpl" -c "$BATS_TEST_DIRNAME/fuzz/template.ini" -d "$BATS_TEST_TMPDIR/empty" --live none
	done
}
