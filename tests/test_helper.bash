# Loaded by every suite: paths, bats libraries, and a dfwgen that never reads
# the machine's own configuration or firewall.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

ROOT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
DFWGEN="${DFWGEN:-$ROOT/dfwgen}"
# with DFWGEN_FAULT compiled in (make build-faults/dfwgen)
DFWGEN_FAULTY="${DFWGEN_FAULTY:-$ROOT/build-faults/dfwgen}"
TEMPLATES="$ROOT/templates"
FIXTURES="$BATS_TEST_DIRNAME/fixtures"
GOLDEN="$BATS_TEST_DIRNAME/golden"

# dfwgen with the tree's templates. Tests pass -c/-d so /etc/dfwgen is never read.
dfw() { "$DFWGEN" -t "$TEMPLATES" "$@"; }

# dfwc CONFIG [args...]: one config file, no drop-ins, no live state.
dfwc() {
	local config=$1
	shift
	mkdir -p "$BATS_TEST_TMPDIR/no-dropins"
	dfw -c "$config" -d "$BATS_TEST_TMPDIR/no-dropins" --live none "$@"
}

# cfg NAME: writes standard input to $BATS_TEST_TMPDIR/NAME and prints the path.
cfg() {
	mkdir -p "$(dirname "$BATS_TEST_TMPDIR/$1")"
	cat >"$BATS_TEST_TMPDIR/$1"
	printf '%s\n' "$BATS_TEST_TMPDIR/$1"
}
