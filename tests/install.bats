#!/usr/bin/env bats
# make install / uninstall, the systemd units, and the man pages.

setup() { load test_helper; }

@test "make install into DESTDIR lays out every file, and uninstall removes them" {
	run -0 make -C "$ROOT" install DESTDIR="$BATS_TEST_TMPDIR/root"
	run -0 bash -c "cd \"$BATS_TEST_TMPDIR/root\" && find . -type f | sort"
	assert_output "./etc/apt/apt.conf.d/80dfwgen
./etc/systemd/system/dfwgen.service
./etc/systemd/system/docker.service.d/dfwgen.conf
./usr/local/lib/dfwgen/dfwgen-hook
./usr/local/sbin/dfwgen
./usr/local/share/dfwgen/templates/containers.rules
./usr/local/share/dfwgen/templates/host.rules
./usr/local/share/man/man5/dfwgen.ini.5
./usr/local/share/man/man8/dfwgen.8
./usr/share/netfilter-persistent/plugins.d/05-dfwgen-sets
./usr/share/netfilter-persistent/plugins.d/35-dfwgen"
	run -1 grep -rq '@LIBDIR@\|@SBINDIR@' "$BATS_TEST_TMPDIR/root"
	run -0 grep -q 'ExecStartPost=-/usr/local/lib/dfwgen/dfwgen-hook docker' "$BATS_TEST_TMPDIR/root/etc/systemd/system/docker.service.d/dfwgen.conf"
	run -0 make -C "$ROOT" uninstall DESTDIR="$BATS_TEST_TMPDIR/root"
	run -0 bash -c "find \"$BATS_TEST_TMPDIR/root\" -type f | wc -l"
	assert_output 0
}

@test "systemd-analyze verify passes on dfwgen.service" {
	command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed (./install.sh installs systemd)"
	p="$BATS_TEST_TMPDIR/p"
	run -0 make -C "$ROOT" install PREFIX="$p/usr" UNITDIR="$p/etc/systemd/system" APTCONFDIR="$p/apt" NFPDIR="$p/nfp"
	run -0 env MANPATH="$p/usr/share/man" systemd-analyze verify "$p/etc/systemd/system/dfwgen.service"
	run -0 grep -x 'Before=docker.service' "$p/etc/systemd/system/dfwgen.service"
}

@test "every option --help lists is in dfwgen(8), and the reverse" {
	run -0 "$DFWGEN" --help
	help_opts=$(grep -oE -- '--[a-z][a-z-]+' <<<"$output" | sort -u)
	man_opts=$(sed 's/\\-/-/g' "$ROOT/man/dfwgen.8" | grep -oE -- '--[a-z][a-z-]+' | sort -u)
	assert_equal "$help_opts" "$man_opts"
	for cmd in rules ipsets config check apply confirm status; do
		grep -q "^\.B $cmd\$" "$ROOT/man/dfwgen.8"
		[[ "$output" == *" $cmd "* ]] || [[ "$output" == *" $cmd"$'\n'* ]] || [[ "$output" == *"[$cmd]"* ]]
	done
}

@test "README names every command and option --help lists" {
	run -0 "$DFWGEN" --help
	local o missing=()
	for o in $(grep -oE -- '--[a-z][a-z-]+' <<<"$output" | sort -u) $(grep -oE -- '(^| )-[a-zA-Z0-9]( |$)' <<<"$output" | tr -d ' ' | sort -u); do
		grep -qE -- "\`$o[\` ]" "$ROOT/README.md" || missing+=("$o")
	done
	for o in rules ipsets config check apply confirm status; do
		grep -qE "^    dfwgen .*\b$o\b" "$ROOT/README.md" || missing+=("$o")
	done
	assert_equal "${missing[*]}" ""
}

@test "dfwgen.ini(5) gives every key's default" {
	# the (key, default) pairs of the schema, C escapes undone
	run -0 python3 - "$ROOT/gen/config.c" "$ROOT/man/dfwgen.ini.5" <<'PY'
import re, sys
src = open(sys.argv[1]).read()
man = open(sys.argv[2]).read().replace('\\(dq', '"').replace('\\-', '-')
pairs = re.findall(r'\{"([a-z_]+)", KEY_(?:SCALAR|LIST), "((?:[^"\\]|\\.)*)"\}', src)
assert len(pairs) > 20, pairs
missing = [f'{k}={v}' for k, v in pairs
           if v.encode().decode('unicode_escape') and v.encode().decode('unicode_escape') not in man]
print(' '.join(missing))
PY
	assert_output ''
}

@test "README's diagnostic table is the program's catalogue: every ID it can report, no other; dfwgen(8) names each" {
	# the IDs the sources report, literally (a diagnostic's notes repeat its ID)
	grep -ohE 'diag_(error|warn|note|add)\([^"]*"[a-z0-9-]+"' "$ROOT"/gen/*.c | grep -oE '"[a-z0-9-]+"$' | tr -d '"' |
		sort -u >"$BATS_TEST_TMPDIR/code"
	sed -n '/^### Diagnostic IDs/,/^## /p' "$ROOT/README.md" | grep -oE '^\| `[a-z0-9-]+`' | tr -d '|` ' | sort -u \
		>"$BATS_TEST_TMPDIR/readme"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/code")" -gt 80 ]
	run comm -3 "$BATS_TEST_TMPDIR/code" "$BATS_TEST_TMPDIR/readme"
	assert_output ''
	# and dfwgen(8)'s DIAGNOSTICS names each
	local id missing=()
	for id in $(cat "$BATS_TEST_TMPDIR/code"); do
		sed -n '/^\.SH DIAGNOSTICS/,/^\.SH /p' "$ROOT/man/dfwgen.8" | grep -qw -- "$id" || missing+=("$id")
	done
	assert_equal "${missing[*]}" ""
}

@test "dfwgen.ini(5) and README name every section and key the program knows" {
	# the schema (gen/config.c) and the sections the program lists as known
	keys=$(grep -oE '\{"[a-z_]+", KEY_(SCALAR|LIST)' "$ROOT/gen/config.c" | cut -d'"' -f2 | sort -u)
	[ "$(wc -w <<<"$keys")" -gt 25 ]
	run -2 --separate-stderr "$DFWGEN" config -c <(printf '[nosuch]\n') -d "$BATS_TEST_TMPDIR"
	sections=$(sed -n 's/.*; known: \(.*\) \[unknown-section\]$/\1/p' <<<"$stderr" | grep -oE '\[[a-z]+( NAME)?\]' |
		tr -d '[]' | cut -d' ' -f1)
	[ "$(wc -w <<<"$sections")" -ge 8 ]
	local k missing=()
	for k in $keys; do
		grep -q "$k" "$ROOT/man/dfwgen.ini.5" || missing+=("man:$k")
		grep -q "\`$k\`" "$ROOT/README.md" || missing+=("README:$k")
	done
	for k in $sections; do
		grep -q "^\.B \[$k" "$ROOT/man/dfwgen.ini.5" || missing+=("man:[$k]")
		grep -q "^### \`\[$k" "$ROOT/README.md" || missing+=("README:[$k]")
	done
	assert_equal "${missing[*]}" ""
}
