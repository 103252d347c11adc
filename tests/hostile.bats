#!/usr/bin/env bats
# Hostile input: every case exits non-zero with a located error on stderr,
# prints nothing on stdout and leaves the -o file untouched. Restore files
# for `check`: garbage, huge lines, 100,000 chains, loops — answered, never a hang.

setup() {
	load test_helper
	mkdir -p "$BATS_TEST_TMPDIR/empty" "$BATS_TEST_TMPDIR/out"
}

# refused CONFIG WHERE: dfwgen refuses CONFIG; stderr locates the error at WHERE
# (a "file:line" prefix); stdout is empty; the -o file keeps its old content.
refused() {
	local config=$1 where=$2 out="$BATS_TEST_TMPDIR/out/rules.txt" cmd
	for cmd in rules ipsets; do
		echo "old rules" >"$out"
		run --separate-stderr "$DFWGEN" "$cmd" -t "$TEMPLATES" -c "$config" -d "$BATS_TEST_TMPDIR/empty" --live none -o "$out"
		[ "$status" -ne 0 ] || { echo "$cmd accepted $(cat "$config")" >&2; return 1; }
		assert_equal "$output" ""
		[[ "$stderr" == *"$where"*": error: "* ]] || { echo "no error at $where in: $stderr" >&2; return 1; }
		assert_equal "$(cat "$out")" "old rules"
		assert_equal "$(ls "$BATS_TEST_TMPDIR/out")" "rules.txt"
	done
}

# conf TEXT: a config file holding TEXT (printf escapes), with SSH open so only
# the hostile part can fail.
conf() {
	printf "[host]\ntcp = 22\n$1" >"$BATS_TEST_TMPDIR/c.ini"
	echo "$BATS_TEST_TMPDIR/c.ini"
}

@test "INI: unknown sections and keys" {
	refused "$(conf '[hosts]\nx = 1\n')" "c.ini:3:1"
	refused "$(conf '[global]\nfamly = both\n')" "c.ini:4:1"
	refused "$(conf '[set a b c]\nentries = 192.0.2.1\n')" "c.ini:3:1"
	refused "$(conf '[port]\nport = 80\n')" "c.ini:3:1"
}

@test "INI: the same value set twice in one file, differently" {
	refused "$(conf '[global]\naction = drop\naction = reject\n')" "c.ini:5:10"
	refused "$(conf '[global]\nssh_port = 22\n[global]\nssh_port = 2222\n')" "c.ini:6:12"
}

@test "INI: lines without '=' and broken headers" {
	refused "$(conf 'udp\n')" "c.ini:3:1"
	refused "$(conf '[global\nlog = yes\n')" "c.ini:3:1"
	refused "$(conf '= 22\n')" "c.ini:3"
}

@test "INI: lines libinih would cut are refused at any length" {
	for n in 199 250 5000; do
		refused "$(conf "[set t]\nentries = 192.0.2.1 ; $(head -c "$n" /dev/zero | tr '\0' x)\n")" "c.ini:4:199"
	done
}

@test "INI: NUL bytes, invalid UTF-8, CRLF with an error in it" {
	refused "$(conf '[global]\x00\n')" "c.ini:3"
	refused "$(conf '; \xff\xfe\n')" "c.ini:3"
	refused "$(conf '; \xc3\n')" "c.ini:3"
	refused "$(conf '; \xe2\x82\n')" "c.ini:3"
	printf '[host]\r\ntcp = 22\r\nudp = 99999\r\n' >"$BATS_TEST_TMPDIR/crlf.ini"
	refused "$BATS_TEST_TMPDIR/crlf.ini" "crlf.ini:3:7"
}

@test "INI: an empty file is refused by the anti-lockout check" {
	: >"$BATS_TEST_TMPDIR/empty.ini"
	refused "$BATS_TEST_TMPDIR/empty.ini" "<generated IPv4 rules>:"
}

@test "files: a directory, a dangling symlink, an unreadable file" {
	for cmd in rules ipsets; do
		run -2 --separate-stderr "$DFWGEN" "$cmd" -t "$TEMPLATES" -c "$BATS_TEST_TMPDIR/empty" -d "$BATS_TEST_TMPDIR/empty" --live none
		assert_equal "$output" ""
		[[ "$stderr" == *"cannot read '$BATS_TEST_TMPDIR/empty': it is a directory"* ]]
	done
	ln -s "$BATS_TEST_TMPDIR/nothing" "$BATS_TEST_TMPDIR/link.ini"
	run -2 --separate-stderr "$DFWGEN" -t "$TEMPLATES" -c "$BATS_TEST_TMPDIR/link.ini" -d "$BATS_TEST_TMPDIR/empty" --live none
	[[ "$stderr" == *"cannot read '$BATS_TEST_TMPDIR/link.ini': No such file or directory"* ]]
	if [ "$(id -u)" -eq 0 ]; then
		d=$(mktemp -d /tmp/dfwgen-perm.XXXXXX)
		chmod 755 "$d"
		printf '[host]\ntcp = 22\n' >"$d/secret.ini"
		chmod 000 "$d/secret.ini"
		mkdir "$d/empty"
		run -2 --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups "$DFWGEN" -t "$TEMPLATES" -c "$d/secret.ini" -d "$d/empty" --live none
		rm -rf "$d"
		[[ "$stderr" == *"cannot read '$d/secret.ini': Permission denied"* ]]
	fi
}

@test "files: thousands of fragments are read in order; a bad one is located" {
	mkdir -p "$BATS_TEST_TMPDIR/many"
	awk -v dir="$BATS_TEST_TMPDIR/many" 'BEGIN { for (i = 1; i <= 3000; i++) {
		f = sprintf("%s/%04d.ini", dir, i)
		printf "[set s%04d]\nentries = 10.%d.%d.0/24\n", i, int(i / 256), i % 256 >f
		close(f) } }' 
	printf '[host]\ntcp = 22\n' >"$BATS_TEST_TMPDIR/many/0000-host.ini"
	run -0 timeout 60 "$DFWGEN" ipsets -t "$TEMPLATES" -c /dev/null -d "$BATS_TEST_TMPDIR/many"
	assert_line 'add dfw-s3000-4.n 10.11.184.0/24 -exist'
	printf '[set s1234]\nentries = 10.1.1.1/8\n' >"$BATS_TEST_TMPDIR/many/1234.ini"
	echo old >"$BATS_TEST_TMPDIR/out/sets"
	run -2 --separate-stderr timeout 60 "$DFWGEN" ipsets -t "$TEMPLATES" -c /dev/null -d "$BATS_TEST_TMPDIR/many" -o "$BATS_TEST_TMPDIR/out/sets"
	[[ "$stderr" == *"many/1234.ini:2:11: error: '10.1.1.1/8': host bits are set"* ]]
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out/sets")" old
}

@test "values: ports" {
	for p in 0 65536 22-10 nosuchservice -1 '22 23' 1e3 0x16 ssh-https; do
		refused "$(conf "[containers]\ntcp = $p\n")" "c.ini:4:7"
	done
}

@test "values: addresses" {
	for a in 300.1.1.1 10.0.0.1/33 10.0.0.1/8 ::ffff:1.2.3.4 2001:db8::1/129 010.0.0.1 '192.0.2.1 /24' 192.0.2.1/ localhost; do
		refused "$(conf "[set t]\nentries = $a\n")" "c.ini:4:11"
	done
}

@test "values: empty list items" {
	for v in 'a,,b' ',22' '22,' ' , '; do
		refused "$(conf "[containers]\ntcp = $v\n")" "c.ini:4:"
	done
}

@test "values: names longer than the ipset and chain limits, with spaces or quotes" {
	refused "$(conf '[set abcdefghijklmnopqrstuvwx]\nentries = 192.0.2.1\n')" "c.ini:3:1"
	refused "$(conf '[set my set]\nentries = 192.0.2.1\n')" "c.ini:3:1"
	refused "$(conf '[port "web"]\nport = 80\nallow = 192.0.2.1\n')" "c.ini:3:1"
	refused "$(conf '[port 1web]\nport = 80\nallow = 192.0.2.1\n')" "c.ini:3:1"
	refused "$(conf '[docker]\nbridges = averyveryverylongname\n')" "c.ini:4:11"
	refused "$(conf '[docker]\nexternal = eth 0\n')" "c.ini:4:12"
	refused "$(conf '[global]\nlog_prefix = 123456789012345678901234567890\n')" "c.ini:4:14"
}

@test "injection: values that would smuggle iptables syntax are refused" {
	refused "$(conf '[containers]\ntcp = 22 -j ACCEPT\n')" "c.ini:4:7"
	refused "$(conf '[containers]\ntcp = --dport\n')" "c.ini:4:7"
	refused "$(conf '[containers]\ntcp = COMMIT\n')" "c.ini:4:7"
	refused "$(conf '[set t]\nentries = *nat\n')" "c.ini:4:11"
	refused "$(conf '[docker]\nbridges = eth0 -j ACCEPT\n')" "c.ini:4:11"
	refused "$(conf '[docker]\nexternal = x" -j ACCEPT "\n')" "c.ini:4:12"
	refused "$(conf '[global]\nlog_prefix = x" -j ACCEPT "\n')" "c.ini:4:14"
	refused "$(conf "[global]\nlog_prefix = it's \\\\\"quoted\\\\\"\n")" "c.ini:4:14"
	refused "$(conf '[containers]\ntcp = 80,\n  -j ACCEPT\n')" "c.ini:5:3"
	refused "$(conf '[containers]\nallow = 192.0.2.1 -j ACCEPT\n')" "c.ini:4:9"
}

@test "injection: what the config allows can only fill template slots, never add rules" {
	c=$(conf '[docker]\nexternal = COMMIT, x.y-z@1\nbridges = br-+\n[global]\nlog = yes\nlog_prefix = "; # $ * ! -j ACCEPT"\n[set t]\nentries = 192.0.2.0/24\n[port q]\nport = 1-65535\nallow = t\n')
	run -0 --separate-stderr "$DFWGEN" -t "$TEMPLATES" -c "$c" -d "$BATS_TEST_TMPDIR/empty" --live none
	for line in "${lines[@]}"; do
		[[ $line =~ ^(#\ dfwgen:.*|\*filter|\*mangle|:FILTERS\ -\ \[0:0\]|:DOCKER-USER\ -\ \[0:0\]|:DFWGEN-FORWARD\ -\ \[0:0\]|COMMIT|-I\ INPUT\ 1\ -j\ FILTERS|-I\ FORWARD\ 1\ -j\ (DOCKER-USER|DFWGEN-FORWARD))$ ]] ||
			[[ $line =~ ^-A\ (FILTERS|DOCKER-USER|DFWGEN-FORWARD)\ .*-m\ comment\ --comment\ \"dfwgen:\ [^\"]*\"\ -j\ [A-Z]+( --log-prefix \"[^\"]*\")?$ ]] ||
			{ echo "unexpected line: $line" >&2; return 1; }
	done
	run -0 grep -c '^COMMIT$' <<<"$output"
	assert_output 2
}

@test "check: truncated files, binary garbage, 1 MB lines and unbalanced quotes are errors" {
	head -c 700 "$GOLDEN/ryandaniels/rules.v4" >"$BATS_TEST_TMPDIR/cut.rules"
	run -1 --separate-stderr "$DFWGEN" check "$BATS_TEST_TMPDIR/cut.rules"
	[[ "$stderr" == *"[missing-commit]"* ]]
	head -c 100000 /dev/urandom >"$BATS_TEST_TMPDIR/garbage"
	run -1 timeout 20 "$DFWGEN" check "$BATS_TEST_TMPDIR/garbage"
	{ echo '*filter'; printf -- '-A INPUT -s %s -j ACCEPT\n' "$(head -c 1000000 /dev/zero | tr '\0' 1)"; echo COMMIT; } >"$BATS_TEST_TMPDIR/long.rules"
	run -1 --separate-stderr timeout 20 "$DFWGEN" check "$BATS_TEST_TMPDIR/long.rules"
	[[ "$stderr" == *"long.rules:2:13: error: '111"*"(cut)"* ]]
	[ "${#stderr}" -lt 3000 ]
	printf '*filter\n-A INPUT -m comment --comment "open -j ACCEPT\nCOMMIT\n' >"$BATS_TEST_TMPDIR/quote.rules"
	run -1 --separate-stderr "$DFWGEN" check "$BATS_TEST_TMPDIR/quote.rules"
	[[ "$stderr" == *"quote.rules:2:31: error: this quote is never closed [unbalanced-quote]"* ]]
}

@test "check: 100,000 chains, a 100,000-deep jump chain and a jump loop are answered in seconds" {
	awk 'BEGIN { print "*filter"; for (i = 0; i < 100000; i++) printf ":C%d - [0:0]\n", i
		for (i = 0; i < 99999; i++) printf "-A C%d -j C%d\n", i, i + 1; print "-A C99999 -j RETURN"; print "COMMIT" }' >"$BATS_TEST_TMPDIR/deep.rules"
	run -0 --separate-stderr timeout 30 "$DFWGEN" check --ssh-port 0 "$BATS_TEST_TMPDIR/deep.rules"
	sed -i 's/^-A C99999 -j RETURN$/-A C99999 -j C0/' "$BATS_TEST_TMPDIR/deep.rules"
	run -1 --separate-stderr timeout 30 "$DFWGEN" check --ssh-port 0 "$BATS_TEST_TMPDIR/deep.rules"
	assert_equal "$stderr" "$BATS_TEST_TMPDIR/deep.rules:200001:14: error: this jump to C0 closes a loop (C0 is already on the way here): iptables-restore refuses it [jump-loop]
  -A C99999 -j C0
               ^~"
}

@test "a list file that is a FIFO, a device or a /proc file is refused at once, never read" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	for f in "$BATS_TEST_TMPDIR/fifo" /dev/zero /proc/self/mem; do
		printf '[set t]\nfile = %s\n[host]\ntcp = 22\n' "$f" >"$BATS_TEST_TMPDIR/c.ini"
		run -2 --separate-stderr timeout 10 "$DFWGEN" ipsets -t "$TEMPLATES" -c "$BATS_TEST_TMPDIR/c.ini" -d "$BATS_TEST_TMPDIR/empty"
		assert_equal "$output" ""
		[[ "$stderr" == *"c.ini:2:8: error: list file '$f' "*"[bad-list-file]"* ]]
	done
}
