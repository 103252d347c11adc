#!/usr/bin/env bats
# sanitized: no (needs root and network namespaces; its dfwgen runs as root, unsanitized)
# dfwgen check against the real iptables-restore, in a test network namespace:
# every broken file the kernel refuses, dfwgen refuses too.

setup() {
	load test_helper
	load netns_helper
	require_netns
	ns_add k
	: >"$BATS_TEST_TMPDIR/none.sets"
}

teardown() { ns_teardown; }

# Whether the kernel refuses FILE: by --test --noflush, or (nft's --test lets
# some errors through) by really loading it into the empty namespace.
kernel_refuses() {
	local refused=1
	if in_ns k iptables-restore --test --noflush "$1" >/dev/null 2>&1 &&
		in_ns k iptables-restore --noflush "$1" >/dev/null 2>&1; then
		refused=0
	fi
	in_ns k iptables -F 2>/dev/null || true
	in_ns k iptables -X 2>/dev/null || true
	[ $refused = 1 ]
}

@test "every broken file iptables-restore refuses, dfwgen check refuses too (a corpus of 30 or more)" {
	local refused=0 f
	for f in "$FIXTURES"/check/broken/*.rules; do
		if kernel_refuses "$f"; then
			refused=$((refused + 1))
			run -1 "$DFWGEN" check -s "$BATS_TEST_TMPDIR/none.sets" "$f"
		fi
	done
	echo "the kernel refused $refused files" >&3
	[ "$refused" -ge 30 ]
}

@test "nft's --test misses errors a real load hits; dfwgen check finds them offline" {
	for name in 04-undeclared-chain 22-delete-missing-rule 23-new-chain-twice 24-insert-out-of-range 28-delete-builtin; do
		f="$FIXTURES/check/broken/$name.rules"
		kernel_refuses "$f"
		run -1 "$DFWGEN" check "$f"
	done
}

@test "the clean files dfwgen check passes also load into the kernel" {
	in_ns k ipset restore -f "$FIXTURES/check/seed-ip_allow.sets"
	run -0 "$DFWGEN" check -s "$FIXTURES/check/seed-ip_allow.sets" "$FIXTURES/check/seed-iptables-rules.txt"
	run -0 in_ns k iptables-restore --noflush "$FIXTURES/check/seed-iptables-rules.txt"
	for f in "$FIXTURES"/docker/*.v4; do
		run -0 "$DFWGEN" check --full "$f"
		run -0 in_ns k iptables-restore "$f"
	done
}

@test "iptables-restore's own limits, 251 words and 10,239 characters a line, drawn where it draws them" {
	# each limit, and one past it; a comment too long is harmless only when
	# what spills over is a comment again
	python3 - "$BATS_TEST_TMPDIR" <<'PY'
import sys
d = sys.argv[1]
def w(name, line):
    open(f"{d}/{name}.rules", "w").write("*filter\n:C - [0:0]\n" + line + "\nCOMMIT\n")
w("ok-words-251", "-A C " + " ".join(["-m comment --comment abc"] * 61) + " -p tcp --syn -j ACCEPT")
w("no-words-252", "-A C " + " ".join(["-m comment --comment abc"] * 61) + " -p tcp --dport 22 -j ACCEPT")
base = "-A C -j ACCEPT"
w("ok-chars-10239", base + " " * (10239 - len(base)))
w("no-chars-10240", base + " " * (10240 - len(base)))
w("ok-note-spills-note", "# " + "x" * 10237 + "# more")
w("no-note-spills-words", "# " + "x" * 10300)
PY
	local f
	for f in "$BATS_TEST_TMPDIR"/*.rules; do
		if kernel_refuses "$f"; then
			[[ $(basename "$f") == no-* ]] || { echo "the kernel refused $f" >&2; return 1; }
			run -1 "$DFWGEN" check -s "$BATS_TEST_TMPDIR/none.sets" "$f"
			assert_output --regexp "words: iptables-restore takes at most.*\[bad-syntax\]|iptables-restore reads of a line at once.*\[line-too-long\]"
		else
			[[ $(basename "$f") == ok-* ]] || { echo "the kernel loaded $f" >&2; return 1; }
			run -0 "$DFWGEN" check -s "$BATS_TEST_TMPDIR/none.sets" "$f"
		fi
	done
}
