#!/usr/bin/env bats
# The C unit tests of the pure modules (tests/unit/unit.c): addresses and
# ports, the catalogue, the rule model and its keys, the state a file leaves,
# shadowing, a set's entries, config items. make check builds both binaries.

setup() {
	load test_helper
	UNIT="$ROOT/build-unit/unit"
	[ -z "${DFW_SANITIZED_PASS:-}" ] || UNIT="$ROOT/build-asan/unit"
	[ -x "$UNIT" ] || skip "$UNIT is not built (make check builds it)"
}

@test "the unit tests pass, and there are some" {
	run "$UNIT"
	assert_success
	assert_line --regexp '^unit: [1-9][0-9]* passed, 0 failed$'
}
