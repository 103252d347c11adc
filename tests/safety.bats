#!/usr/bin/env bats
# sanitized: no (needs root and network namespaces; its dfwgen runs as root, unsanitized)
# The safety net: confirm, rollback, recovery, hooks and state under signals,
# crashes, reboots, Docker restarts and other tools (issue 19's findings, by
# number). Everything on the simulated Docker host, real iptables and ipset.

setup_file() {
	load e2e_helper
	harness_up
}

teardown_file() {
	load e2e_helper
	harness_down
}

setup() {
	load e2e_helper
	apply_setup
	# generation B: the office network narrowed
	NARROW="$BATS_TEST_TMPDIR/narrow.ini"
	sed 's/203.0.113.0\/24/203.0.113.0\/25/' "$CONF" >"$NARROW"
}

# dfwgen's own objects, IPv4 and IPv6: its chains, its rules in DOCKER-USER,
# its sets (what a rollback must put back, whatever else changed).
ours() {
	local t
	for t in iptables ip6tables; do
		in_ns host "$t" -S FILTERS
		in_ns host "$t" -S DOCKER-USER | grep dfwgen
		in_ns host "$t" -t mangle -S DFWGEN-FORWARD
	done
	in_ns host ipset save | grep '^add dfw-' | sort
}

# start_confirm SECONDS: apply --confirm of generation B in the background
# (PID in WAITING); returns once it waits for the confirmation.
start_confirm() {
	CONF=$NARROW dfw_apply --confirm "$1" >"$BATS_TEST_TMPDIR/confirm.out" 2>&1 &
	WAITING=$!
	local i
	for i in $(seq 1 100); do
		grep -q "keep them within" "$BATS_TEST_TMPDIR/confirm.out" && return 0
		sleep 0.1
	done
	return 1
}

# finish_confirm STATUS: the background apply ended with STATUS.
finish_confirm() {
	local rc=0
	wait "$WAITING" || rc=$?
	assert_equal "$rc" "$1"
}

# boot_apply CONFIG: what dfwgen.service runs at boot.
boot_apply() {
	in_ns host "$DFWGEN" apply --boot -t "$TEMPLATES" -c "$1" -d "$BATS_TEST_TMPDIR/empty" --state-dir "$STATE"
}

@test "1: SIGHUP, SIGINT or SIGTERM after any step of an apply with the host: the old generation or the new, never half" {
	CONF=$NARROW run -0 dfw_apply
	snapshot >"$BATS_TEST_TMPDIR/B"
	run -0 dfw_apply
	snapshot >"$BATS_TEST_TMPDIR/A"
	local sig n late points=0 old=0 new=0
	for sig in hup int term; do
		n=0
		while :; do
			n=$((n + 1))
			run --separate-stderr in_ns host env DFWGEN_FAULT=$sig:$n "$DFWGEN_FAULTY" apply -t "$TEMPLATES" \
				-c "$NARROW" -d "$BATS_TEST_TMPDIR/empty" --state-dir "$STATE"
			snapshot >"$BATS_TEST_TMPDIR/got"
			points=$((points + 1))
			if [ "$status" = 0 ]; then
				run -0 cmp "$BATS_TEST_TMPDIR/got" "$BATS_TEST_TMPDIR/B"
				new=$((new + 1))
				late=0
				[[ "$stderr" == *"came after the rules were in force"* ]] && late=1
				run -0 dfw_apply
				[ $late = 1 ] || break # past the last command: no signal was sent
			else
				# killed before anything changed (129, 130, 143), or rolled back (1)
				[[ "$status" =~ ^(1|129|130|143)$ ]]
				cmp -s "$BATS_TEST_TMPDIR/got" "$BATS_TEST_TMPDIR/A" || { echo "$sig:$n $status $stderr" >&3; diff "$BATS_TEST_TMPDIR/A" "$BATS_TEST_TMPDIR/got" >&3; false; }
				old=$((old + 1))
			fi
			[ ! -e "$STATE/pending" ]
		done
	done
	echo "# signal points: $points: $old ended in the old generation, $new in the new" >&3
	[ "$old" -ge 20 ]
}

@test "2: while apply --confirm waits, a hook waits, then keeps the confirmed generation, never the rejected one" {
	run -0 dfw_apply
	snapshot >"$BATS_TEST_TMPDIR/A"
	start_confirm 3
	CONF=$NARROW run -0 --separate-stderr dfw_apply --hook
	[[ "$stderr" == *"which was not confirmed"*"hooks and boot never load it"*"[rejected-generation]"* ]]
	[[ "$stderr" == *"the confirmed generation "*" is in force"* ]]
	finish_confirm 1
	snapshot >"$BATS_TEST_TMPDIR/after"
	run -0 diff "$BATS_TEST_TMPDIR/A" "$BATS_TEST_TMPDIR/after"
	CONF=$NARROW run -1 dfw_status
	assert_line --partial "drift rejected: the configuration makes generation"
	CONF=$NARROW run -1 --separate-stderr dfw_status --format json
	run -0 jq -e '.rejected == true and .pending == null and .confirmed != .generation' <<<"$output"
	# a person's apply loads it
	CONF=$NARROW run -0 dfw_apply
	CONF=$NARROW run -0 dfw_status
}

@test "2: a hook with a rejected generation and none ever confirmed loads nothing, exit 1" {
	snapshot >"$BATS_TEST_TMPDIR/before"
	start_confirm 2
	finish_confirm 1
	CONF=$NARROW run -1 --separate-stderr dfw_apply --hook
	[[ "$stderr" == *"[rejected-generation]"* ]]
	[[ "$stderr" == *"no generation was ever confirmed: nothing to keep in force [nothing-confirmed]"* ]]
	snapshot >"$BATS_TEST_TMPDIR/after"
	run -0 diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
}

@test "a stored generation that fails its checksum is said and not used" {
	run -0 dfw_apply
	local gen
	gen=$(ls "$STATE"/gen-*)
	echo "-A FILTERS -j ACCEPT" >>"$gen"
	CONF=$NARROW run -0 --separate-stderr dfw_apply
	[[ "$stderr" == *"is damaged (its checksum does not match): the confirmed generation cannot be used [state-damaged]"* ]]
	CONF=$NARROW run -0 dfw_status
}

@test "8: a hook gives up after 20 seconds behind a long --confirm, and changes nothing" {
	run -0 dfw_apply
	start_confirm 60
	snapshot >"$BATS_TEST_TMPDIR/before"
	local start=$SECONDS
	run -2 --separate-stderr dfw_apply --hook
	# it says what it waits for at once, and when it gives up
	[[ "$stderr" == "dfwgen: waiting for $STATE/lock: another dfwgen apply holds it (one waiting for confirmation, or loading)"* ]]
	[[ "$stderr" == *"another dfwgen apply holds"*"gave up after 20 seconds, nothing changed"* ]]
	[ $((SECONDS - start)) -le 25 ]
	snapshot >"$BATS_TEST_TMPDIR/after"
	run -0 diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
	run -0 in_ns host "$DFWGEN" confirm --state-dir "$STATE"
	finish_confirm 0
}

@test "2, 4: killed mid-apply, the next hook puts back the confirmed generation and does not load the other" {
	run -0 dfw_apply
	snapshot >"$BATS_TEST_TMPDIR/A"
	for step in after-adds after-swaps after-sets after-v4 after-v6; do
		run in_ns host env DFWGEN_FAULT=$step "$DFWGEN_FAULTY" apply -t "$TEMPLATES" -c "$NARROW" \
			-d "$BATS_TEST_TMPDIR/empty" --state-dir "$STATE"
		assert_equal "$status" 137
		CONF=$NARROW run -1 dfw_status
		assert_line --partial "drift pending: generation"
		CONF=$NARROW run -0 --separate-stderr dfw_apply --hook
		[[ "$stderr" == *"an earlier apply did not finish: restoring the confirmed generation first"* ]]
		[[ "$stderr" == *"[rejected-generation]"* ]]
		snapshot >"$BATS_TEST_TMPDIR/after.$step"
		run -0 diff "$BATS_TEST_TMPDIR/A" "$BATS_TEST_TMPDIR/after.$step"
	done
}

@test "3: what others change during the confirm window survives the rollback" {
	run -0 dfw_apply
	ours >"$BATS_TEST_TMPDIR/ours.A"
	start_confirm 4
	# fail2ban bans someone, Docker publishes a new container
	in_ns host iptables -N f2b-sshd
	in_ns host iptables -A f2b-sshd -s 198.51.100.77/32 -j REJECT --reject-with icmp-port-unreachable
	in_ns host iptables -A f2b-sshd -j RETURN
	in_ns host iptables -I INPUT 1 -p tcp -m multiport --dports 22 -j f2b-sshd
	in_ns host iptables -A DOCKER -d 172.17.0.9/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT
	in_ns host ip6tables -N f2b-sshd
	finish_confirm 1
	ours >"$BATS_TEST_TMPDIR/ours.after"
	run -0 diff "$BATS_TEST_TMPDIR/ours.A" "$BATS_TEST_TMPDIR/ours.after"
	run -0 in_ns host iptables -S
	assert_line '-A f2b-sshd -s 198.51.100.77/32 -j REJECT --reject-with icmp-port-unreachable'
	assert_line '-A INPUT -p tcp -m multiport --dports 22 -j f2b-sshd'
	assert_line '-A DOCKER -d 172.17.0.9/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT'
	assert_line '-A INPUT -j FILTERS'
	assert_line '-A FORWARD -j DOCKER-USER'
	run -0 in_ns host ip6tables -S f2b-sshd
}

@test "3: Docker restarting over and over during applies: FORWARD is never left open" {
	run -0 dfw_apply
	(while [ ! -e "$BATS_TEST_TMPDIR/stop" ]; do docker_restart; done) >/dev/null 2>&1 &
	local restarting=$! i failed=0
	for i in $(seq 1 15); do
		if [ $((i % 2)) = 0 ]; then CONF=$NARROW run dfw_apply; else run dfw_apply; fi
		[ "$status" = 0 ] || failed=$((failed + 1))
		# the guard is in force whatever Docker did to filter FORWARD
		run -0 in_ns host iptables -t mangle -S FORWARD
		assert_line --index 1 '-A FORWARD -j DFWGEN-FORWARD'
		run -0 in_ns host ip6tables -t mangle -S FORWARD
		assert_line --index 1 '-A FORWARD -j DFWGEN-FORWARD'
	done
	touch "$BATS_TEST_TMPDIR/stop"
	wait "$restarting"
	echo "# applies during Docker restarts: 15, failed and rolled back: $failed" >&3
	[ "$failed" -le 2 ]
	run -0 dfw_apply
	run -0 dfw_status
}

@test "4: kill -9 after every step with the host, then a reboot: the boot apply ends in the old or the new generation" {
	CONF=$NARROW run -0 dfw_apply
	snapshot >"$BATS_TEST_TMPDIR/B"
	reset_firewall le27
	rm -rf "$STATE"
	run -0 dfw_apply
	snapshot >"$BATS_TEST_TMPDIR/A"
	local n=0 old=0 new=0 done=0
	while [ $done = 0 ]; do
		n=$((n + 1))
		run in_ns host env DFWGEN_FAULT=run:$n "$DFWGEN_FAULTY" apply -t "$TEMPLATES" -c "$NARROW" \
			-d "$BATS_TEST_TMPDIR/empty" --state-dir "$STATE"
		if [ "$status" = 0 ]; then done=1; else assert_equal "$status" 137; fi
		# the reboot: tables and sets are gone, the state directory stays
		reset_firewall le27
		run -0 boot_apply "$NARROW"
		snapshot >"$BATS_TEST_TMPDIR/got"
		if cmp -s "$BATS_TEST_TMPDIR/got" "$BATS_TEST_TMPDIR/A"; then
			old=$((old + 1))
			run -0 dfw_status
		elif cmp -s "$BATS_TEST_TMPDIR/got" "$BATS_TEST_TMPDIR/B"; then
			new=$((new + 1))
			CONF=$NARROW run -0 dfw_status
		else
			diff "$BATS_TEST_TMPDIR/A" "$BATS_TEST_TMPDIR/got" >&3 || true
			false
		fi
		# back to A, confirmed, for the next kill point
		run -0 dfw_apply
	done
	echo "# kill points: $n ($((n - 1)) killed): $old ended in the old generation, $new in the new" >&3
	# one kill point per step with the host: each external command, each netlink request
	[ "$n" -ge 10 ]
	[ "$old" -ge 1 ] && [ "$new" -ge 1 ]
}

@test "4: at boot, a broken config loads the confirmed generation, or with none the fail-closed ruleset" {
	printf '[host]\nallow = nobody\n' >"$BATS_TEST_TMPDIR/broken.ini"
	run -1 --separate-stderr boot_apply "$BATS_TEST_TMPDIR/broken.ini"
	[[ "$stderr" == *"the fail-closed ruleset is in force: only established traffic, loopback and SSH (port 22)"* ]]
	run -0 matrix 4
	assert_line "cu -> ssh = open"
	assert_line "ct -> web = filtered"
	assert_line "ct -> unpublished = filtered"
	run -0 matrix 6
	assert_line "cu -> ssh = open"
	assert_line "ct -> db = filtered"
	# with a confirmed generation, that one
	run -0 dfw_apply
	snapshot >"$BATS_TEST_TMPDIR/A"
	reset_firewall le27
	run -0 --separate-stderr boot_apply "$BATS_TEST_TMPDIR/broken.ini"
	[[ "$stderr" == *"the last confirmed generation "*" is in force instead"* ]]
	snapshot >"$BATS_TEST_TMPDIR/after"
	run -0 diff "$BATS_TEST_TMPDIR/A" "$BATS_TEST_TMPDIR/after"
}

@test "4: Docker's unit waits for dfwgen.service and does not start when it is enabled but failed" {
	run -0 grep -x 'After=dfwgen.service' "$ROOT/contrib/systemd/docker.service.d-dfwgen.conf"
	run -0 grep -x 'ExecStartPre=@LIBDIR@/dfwgen-hook docker-pre' "$ROOT/contrib/systemd/docker.service.d-dfwgen.conf"
	run -0 grep -x 'Before=docker.service' "$ROOT/contrib/systemd/dfwgen.service"
	run -0 grep -x 'ExecStart=@SBINDIR@/dfwgen apply --boot' "$ROOT/contrib/systemd/dfwgen.service"
	# systemctl as the hook sees it: dfwgen.service enabled, then failed or active
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	printf '#!/bin/sh\n[ "$1" = is-enabled ] && exit 0\n[ "$2" = --quiet ] && exit "$(cat %s)"\n' \
		"$BATS_TEST_TMPDIR/active" >"$BATS_TEST_TMPDIR/bin/systemctl"
	chmod +x "$BATS_TEST_TMPDIR/bin/systemctl"
	echo 3 >"$BATS_TEST_TMPDIR/active"
	run -1 --separate-stderr env PATH="$BATS_TEST_TMPDIR/bin:$PATH" DFWGEN="$DFWGEN" sh "$ROOT/contrib/dfwgen-hook" docker-pre
	[[ "$stderr" == *"dfwgen.service is enabled but not active"*"Docker does not start unprotected"* ]]
	echo 0 >"$BATS_TEST_TMPDIR/active"
	run -0 env PATH="$BATS_TEST_TMPDIR/bin:$PATH" DFWGEN="$DFWGEN" sh "$ROOT/contrib/dfwgen-hook" docker-pre
}

@test "5: the state directory deleted during --confirm: the confirmed generation still comes back" {
	run -0 dfw_apply
	snapshot >"$BATS_TEST_TMPDIR/A"
	start_confirm 3
	rm -rf "$STATE"
	finish_confirm 1
	snapshot >"$BATS_TEST_TMPDIR/after"
	run -0 diff "$BATS_TEST_TMPDIR/A" "$BATS_TEST_TMPDIR/after"
}

@test "16: a --confirm that runs out after dropping a set and changing another puts both back whole" {
	# A: two sets; B (NARROW): one, narrowed. apply lists the sets before it
	# loads B; the rollback must list them again, not trust that listing.
	printf '[set office]\nentries = 198.51.100.0/24, 2001:db8:51::/48\n[host]\nallow = office\n' |
		cat "$CONF" - >"$BATS_TEST_TMPDIR/two.ini"
	CONF="$BATS_TEST_TMPDIR/two.ini" run -0 dfw_apply
	snapshot >"$BATS_TEST_TMPDIR/A"
	grep -q '^add dfw-office-4 198.51.100.0/24' "$BATS_TEST_TMPDIR/A"
	start_confirm 2
	run -0 in_ns host ipset list -n
	refute_line dfw-office-4
	finish_confirm 1
	snapshot >"$BATS_TEST_TMPDIR/after"
	run -0 diff "$BATS_TEST_TMPDIR/A" "$BATS_TEST_TMPDIR/after"
	CONF="$BATS_TEST_TMPDIR/two.ini" run -0 dfw_status
}

@test "6: a family turned off loses dfwgen's chains, jumps and sets; status names leftovers" {
	run -0 dfw_apply
	sed '1i [global]\nfamily = ipv4' "$CONF" >"$BATS_TEST_TMPDIR/v4.ini"
	CONF="$BATS_TEST_TMPDIR/v4.ini" run -1 dfw_status
	assert_line 'drift IPv6 leftover: IPv6 is off, but FILTERS still holds dfwgen'"'"'s rules'
	assert_line 'drift IPv6 leftover: IPv6 is off, but the set dfw-trusted-6 is still there'
	CONF="$BATS_TEST_TMPDIR/v4.ini" run -1 --separate-stderr dfw_status --format json
	run -0 jq -e '.leftover == [6]' <<<"$output"
	CONF="$BATS_TEST_TMPDIR/v4.ini" run -0 --separate-stderr dfw_apply
	[[ "$stderr" == *"IPv6 is off: dfwgen's IPv6 chains, jumps and sets are removed"* ]]
	run -0 in_ns host ip6tables-save
	refute_output --partial FILTERS
	refute_output --partial DFWGEN-FORWARD
	refute_output --partial dfwgen
	assert_output --partial ':DOCKER-USER'
	run -0 in_ns host ipset list -n
	refute_output --partial dfw-trusted-6
	assert_output --partial dfw-trusted-4
	CONF="$BATS_TEST_TMPDIR/v4.ini" run -0 dfw_status
	# and back: the published IPv6 ports are filtered again
	run -0 dfw_apply
	run -0 matrix 6
	assert_line "cu -> db = filtered"
	assert_line "co -> db = open"
}

@test "7: a set growing past its maxelem is swapped for a bigger one; entries dropped from the list go" {
	awk 'BEGIN { for (i = 0; i < 60001; i++) printf "10.%d.%d.%d\n", int(i / 65536), int(i / 256) % 256, i % 256 }' \
		>"$BATS_TEST_TMPDIR/big.list"
	printf '[set big]\nfile = %s\n[set trusted]\nentries = 192.0.2.10\n[host]\nallow = trusted, big\ntcp = 22\n' \
		"$BATS_TEST_TMPDIR/big.list" >"$BATS_TEST_TMPDIR/big.ini"
	CONF="$BATS_TEST_TMPDIR/big.ini" run -0 dfw_apply
	awk 'BEGIN { for (i = 0; i < 70001; i++) printf "10.%d.%d.%d\n", int(i / 65536), int(i / 256) % 256, i % 256 }' \
		>"$BATS_TEST_TMPDIR/big.list"
	CONF="$BATS_TEST_TMPDIR/big.ini" run -0 dfw_apply
	run -0 in_ns host ipset list -t dfw-big-4
	assert_line 'Number of entries: 70001'
	head -n 1000 "$BATS_TEST_TMPDIR/big.list" >"$BATS_TEST_TMPDIR/small" && mv "$BATS_TEST_TMPDIR/small" "$BATS_TEST_TMPDIR/big.list"
	CONF="$BATS_TEST_TMPDIR/big.ini" run -0 dfw_apply
	run -0 in_ns host ipset list -t dfw-big-4
	assert_line 'Number of entries: 1000'
	run -1 in_ns host ipset test dfw-big-4 10.0.200.1
	CONF="$BATS_TEST_TMPDIR/big.ini" run -0 dfw_status
}

@test "16: set members are exactly the list's after any mix of adds and deletes, in place or swapped, both families" {
	local round
	awk 'BEGIN { for (i = 0; i < 1500; i++) printf "10.%d.%d.0/24\n10.99.%d.%d\n2001:db8:%x:1::/64\n", i / 250, i % 250, i / 250, i % 250 + 1, i }' \
		>"$BATS_TEST_TMPDIR/pool"
	printf '[set big]\nfile = %s\n[set trusted]\nentries = 192.0.2.10, 2001:db8:2::10\n[host]\nallow = trusted, big\ntcp = 22\n' \
		"$BATS_TEST_TMPDIR/list" >"$BATS_TEST_TMPDIR/big.ini"
	# how much of the pool each round keeps: small changes go in place, big ones are swapped
	for round in 100 99 60 97 10 100 98; do
		awk -v keep=$round -v seed=$RANDOM 'BEGIN { srand(seed) } rand() * 100 < keep' "$BATS_TEST_TMPDIR/pool" >"$BATS_TEST_TMPDIR/list"
		CONF="$BATS_TEST_TMPDIR/big.ini" run -0 dfw_apply
		for fam in 4 6; do
			in_ns host ipset list dfw-big-$fam | sed -n '/^Members:/,$p' | tail -n +2 | sed 's#/32$##; s#/128$##' | sort >"$BATS_TEST_TMPDIR/have"
			if [ $fam = 4 ]; then grep -v : "$BATS_TEST_TMPDIR/list"; else grep : "$BATS_TEST_TMPDIR/list"; fi | sort >"$BATS_TEST_TMPDIR/want"
			run -0 diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/have"
		done
		CONF="$BATS_TEST_TMPDIR/big.ini" run -0 dfw_status
	done
}

@test "9: StrictModes: a rules.d, main file, template, list file or state directory others can write is refused" {
	snapshot >"$BATS_TEST_TMPDIR/before"
	mkdir -m 0777 "$BATS_TEST_TMPDIR/open.d"
	printf '[host]\ntcp = 22\n' >"$BATS_TEST_TMPDIR/open.d/50-x.ini"
	run -2 --separate-stderr in_ns host "$DFWGEN" apply -t "$TEMPLATES" -c "$CONF" -d "$BATS_TEST_TMPDIR/open.d" --state-dir "$STATE"
	[[ "$stderr" == *"not reading $BATS_TEST_TMPDIR/open.d: $BATS_TEST_TMPDIR/open.d is writable by everyone (mode 0777)"*"[untrusted-path]"* ]]
	printf '[set a]\nfile = %s\n[host]\nallow = a\ntcp = 22\n' "$BATS_TEST_TMPDIR/list" >"$BATS_TEST_TMPDIR/l.ini"
	echo 192.0.2.1 >"$BATS_TEST_TMPDIR/list"
	chmod 0666 "$BATS_TEST_TMPDIR/list"
	run -2 --separate-stderr in_ns host "$DFWGEN" apply -t "$TEMPLATES" -c "$BATS_TEST_TMPDIR/l.ini" -d "$BATS_TEST_TMPDIR/empty" --state-dir "$STATE"
	[[ "$stderr" == *"list file '$BATS_TEST_TMPDIR/list' is not safe to read as root"*"writable by everyone"* ]]
	mkdir -m 0777 "$BATS_TEST_TMPDIR/openstate"
	run -2 --separate-stderr in_ns host "$DFWGEN" apply -t "$TEMPLATES" -c "$CONF" -d "$BATS_TEST_TMPDIR/empty" --state-dir "$BATS_TEST_TMPDIR/openstate"
	[[ "$stderr" == *"the state directory is not safe: $BATS_TEST_TMPDIR/openstate is writable by everyone"* ]]
	snapshot >"$BATS_TEST_TMPDIR/after"
	run -0 diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
	# the main file and the templates too (generating alone, as root, checks the same)
	cp "$CONF" "$BATS_TEST_TMPDIR/open.ini"
	chmod 0666 "$BATS_TEST_TMPDIR/open.ini"
	run -2 --separate-stderr "$DFWGEN" -t "$TEMPLATES" -c "$BATS_TEST_TMPDIR/open.ini" -d "$BATS_TEST_TMPDIR/empty" --live none
	[[ "$stderr" == *"not reading $BATS_TEST_TMPDIR/open.ini: $BATS_TEST_TMPDIR/open.ini is writable by everyone (mode 0666)"* ]]
	assert_output ""
	cp -r "$TEMPLATES" "$BATS_TEST_TMPDIR/tpl"
	chmod 0777 "$BATS_TEST_TMPDIR/tpl"
	run -2 --separate-stderr "$DFWGEN" -t "$BATS_TEST_TMPDIR/tpl" -c "$CONF" -d "$BATS_TEST_TMPDIR/empty" --live none
	[[ "$stderr" == *"not reading the template $BATS_TEST_TMPDIR/tpl: $BATS_TEST_TMPDIR/tpl is writable by everyone"*"[untrusted-path]"* ]]
	# an admin who wants it anyway
	run -0 in_ns host "$DFWGEN" apply --no-strict-modes -t "$TEMPLATES" -c "$CONF" -d "$BATS_TEST_TMPDIR/open.d" --state-dir "$STATE"
}

@test "9: a list file not everyone may read is never quoted" {
	printf 'root:$6$secret-hash:19000:0:99999:7:::\n' >"$BATS_TEST_TMPDIR/shadow"
	chmod 0640 "$BATS_TEST_TMPDIR/shadow"
	printf '[set a]\nfile = %s\n[host]\nallow = a\ntcp = 22\n' "$BATS_TEST_TMPDIR/shadow" >"$BATS_TEST_TMPDIR/s.ini"
	run -2 --separate-stderr "$DFWGEN" -t "$TEMPLATES" -c "$BATS_TEST_TMPDIR/s.ini" -d "$BATS_TEST_TMPDIR/empty" --live none
	[[ "$stderr" == *"shadow:1:1: error: not an address ("*"is not readable by everyone, so its text is not shown)"* ]]
	[[ "$stderr" != *secret* ]]
	[[ "$stderr" != *root:* ]]
}

@test "9: state files are 0600 whatever the umask, and a symlink planted in the state directory is never followed" {
	mkdir -m 0700 "$STATE"
	echo "victim" >"$BATS_TEST_TMPDIR/victim"
	ln -s "$BATS_TEST_TMPDIR/victim" "$STATE/current.tmp"
	ln -s "$BATS_TEST_TMPDIR/victim" "$STATE/pending.tmp"
	ln -s "$BATS_TEST_TMPDIR/victim" "$STATE/rejected"
	run -0 in_ns host sh -c 'umask 000 && exec "$@"' sh "$DFWGEN" apply -t "$TEMPLATES" -c "$CONF" \
		-d "$BATS_TEST_TMPDIR/empty" --state-dir "$STATE"
	run -0 cat "$BATS_TEST_TMPDIR/victim"
	assert_output victim
	run -0 find "$STATE" -type f ! -perm 0600
	assert_output ""
	run -0 find "$STATE" -type f -name 'gen-*'
	[ -n "$output" ]
}

@test "10: a FILTERS chain dfwgen did not make, and its conditional jump, are named, not silently removed" {
	in_ns host iptables -N FILTERS
	in_ns host iptables -A FILTERS -s 10.9.9.9/32 -j ACCEPT
	in_ns host iptables -A INPUT -i ext-u -j FILTERS
	snapshot >"$BATS_TEST_TMPDIR/before"
	run -2 --separate-stderr dfw_apply
	[[ "$stderr" == *"IPv4 filter: '-A FILTERS -s 10.9.9.9/32 -j ACCEPT' is in FILTERS, but dfwgen did not write it"* ]]
	[[ "$stderr" == *"IPv4 filter: the jump '-A INPUT -i ext-u -j FILTERS' is not dfwgen's"* ]]
	[[ "$stderr" == *"nothing changed: 2 rules in dfwgen's chains are not dfwgen's"* ]]
	snapshot >"$BATS_TEST_TMPDIR/after"
	run -0 diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
	run -0 --separate-stderr dfw_apply --adopt
	[[ "$stderr" == *"adopting (removing) '-A FILTERS -s 10.9.9.9/32 -j ACCEPT'"* ]]
	run -0 dfw_status
	# dfwgen's own rules are not foreign on the next apply
	run -0 dfw_apply
}

@test "10: in a family that is off, a FILTERS chain dfwgen did not make is named too, not removed" {
	sed '1i [global]\nfamily = ipv4' "$CONF" >"$BATS_TEST_TMPDIR/v4.ini"
	in_ns host ip6tables -N FILTERS
	in_ns host ip6tables -A FILTERS -s 2001:db8:77::1 -j ACCEPT
	CONF="$BATS_TEST_TMPDIR/v4.ini" run -2 --separate-stderr dfw_apply
	[[ "$stderr" == *"IPv6 filter: '-A FILTERS -s 2001:db8:77::1/128 -j ACCEPT' is in FILTERS, but dfwgen did not write it"* ]]
	run -0 in_ns host ip6tables -S FILTERS
	assert_line '-A FILTERS -s 2001:db8:77::1/128 -j ACCEPT'
}

@test "4: at boot, while another apply holds the lock, the fall-back loads nothing beside it" {
	run -0 dfw_apply
	start_confirm 40
	snapshot >"$BATS_TEST_TMPDIR/during"
	printf '[host]\nallow = nobody\n' >"$BATS_TEST_TMPDIR/broken.ini"
	run -1 --separate-stderr boot_apply "$BATS_TEST_TMPDIR/broken.ini"
	[[ "$stderr" == *"another dfwgen apply holds the lock; it is left to finish, nothing loaded"* ]]
	snapshot >"$BATS_TEST_TMPDIR/after"
	run -0 diff "$BATS_TEST_TMPDIR/during" "$BATS_TEST_TMPDIR/after"
	run -0 in_ns host "$DFWGEN" confirm --state-dir "$STATE"
	finish_confirm 0
}

@test "11: status names a pending generation while --confirm waits" {
	run -0 dfw_apply
	start_confirm 4
	CONF=$NARROW run -1 --separate-stderr dfw_status --format json
	run -0 jq -e '.pending != null and .pending == .generation and .in_sync == false' <<<"$output"
	run -1 dfw_apply --dry-run
	assert_line --partial "would change pending: generation"
	finish_confirm 1
}

@test "11: rules of the other iptables flavour in INPUT are reported by status" {
	run -0 dfw_apply
	run -0 dfw_status
	in_ns host iptables-legacy -A INPUT -p tcp --dport 22 -j DROP
	run -1 dfw_status
	assert_line "drift IPv4 other-flavour: iptables-legacy-save holds '-A INPUT -p tcp -m tcp --dport 22 -j DROP': the kernel runs it beside dfwgen's nft rules"
	run -1 --separate-stderr dfw_status --format json
	run -0 jq -e '.other_flavour == 1' <<<"$output"
	in_ns host iptables-legacy -F INPUT
}

@test "12: anti-lockout looks into the sets: empty, wrong family, loopback, multicast, Docker's subnets" {
	local entries
	snapshot >"$BATS_TEST_TMPDIR/before"
	for entries in "" "192.0.2.10" "127.0.0.1, ::1" "172.17.0.9, fd00:dead:beef::9" "224.0.0.5, ff02::5" "192.0.2.1, 2001:db8:2::1"; do
		printf '[set admins]\nentries = %s\n[docker]\nsubnets = 172.17.0.0/16, fd00:dead:beef::/64\n[host]\nallow = admins\n' \
			"$entries" >"$BATS_TEST_TMPDIR/admins.ini"
		[ -n "$entries" ] || sed -i '/^entries/d' "$BATS_TEST_TMPDIR/admins.ini"
		CONF="$BATS_TEST_TMPDIR/admins.ini" run -1 --separate-stderr dfw_apply
		[[ "$stderr" == *"admins.ini:1:1: error: set dfw-admins-"*" holds no IPv"*" address an SSH client can come from"*"[lockout]"* ]]
	done
	snapshot >"$BATS_TEST_TMPDIR/after"
	run -0 diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
	printf '[set admins]\nentries = 192.0.2.10, 2001:db8:2::10\n[host]\nallow = admins\n' >"$BATS_TEST_TMPDIR/admins.ini"
	CONF="$BATS_TEST_TMPDIR/admins.ini" run -0 dfw_apply
}

@test "an installed build ignores DFWGEN_FAULT" {
	run -0 in_ns host env DFWGEN_FAULT=after-sets "$DFWGEN" apply -t "$TEMPLATES" -c "$CONF" -d "$BATS_TEST_TMPDIR/empty" --state-dir "$STATE"
	run -0 nm "$DFWGEN"
	refute_output --partial fault_point
	run -0 nm "$DFWGEN_FAULTY"
	assert_output --partial fault_point
}
