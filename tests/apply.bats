#!/usr/bin/env bats
# sanitized: no (needs root and network namespaces; its dfwgen runs as root, unsanitized)
# dfwgen apply, confirm and status on the simulated Docker host, and the hooks'
# commands run against it.

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
}

@test "apply puts the policy in force: the probe matrix shows it" {
	run -0 dfw_apply
	run -0 matrix 4
	assert_line "cu -> web = filtered"
	assert_line "ct -> web = open"
	assert_line "cu -> ssh = open"
	run -0 matrix 6
	assert_line "cu -> db = filtered"
	assert_line "co -> db = open"
}

@test "apply twice is byte-identical, and status is 0 after it" {
	run -0 dfw_apply
	snapshot >"$BATS_TEST_TMPDIR/one"
	run -0 dfw_apply
	snapshot >"$BATS_TEST_TMPDIR/two"
	run -0 diff "$BATS_TEST_TMPDIR/one" "$BATS_TEST_TMPDIR/two"
	run -0 dfw_status
	assert_output "in sync: the host holds what the configuration generates"
}

@test "a bad rule in a user template is refused by the kernel: nothing changes" {
	cp -r "$TEMPLATES" "$BATS_TEST_TMPDIR/tpl"
	sed -i 's/^-A FILTERS {{host_allow.match}}/-A FILTERS -m frobnicate --foo 1 -j ACCEPT\n&/' "$BATS_TEST_TMPDIR/tpl/host.rules"
	snapshot >"$BATS_TEST_TMPDIR/before"
	run -2 --separate-stderr in_ns host "$DFWGEN" apply -t "$BATS_TEST_TMPDIR/tpl" -c "$CONF" -d "$BATS_TEST_TMPDIR/empty" --state-dir "$STATE"
	[[ "$stderr" == *"error: loading the IPv4 rules failed"* ]]
	snapshot >"$BATS_TEST_TMPDIR/after"
	run -0 diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
}

@test "a previous ruleset comes back byte-identical when loading fails half-way" {
	run -0 dfw_apply
	snapshot >"$BATS_TEST_TMPDIR/before"
	cp -r "$TEMPLATES" "$BATS_TEST_TMPDIR/tpl"
	echo '-A DOCKER-USER -m frobnicate --foo 1 -j RETURN' >"$BATS_TEST_TMPDIR/tpl/containers.rules.extra"
	sed -i '1r '"$BATS_TEST_TMPDIR/tpl/containers.rules.extra" "$BATS_TEST_TMPDIR/tpl/containers.rules"
	sed 's/203.0.113.0\/24/203.0.113.0\/25/' "$CONF" >"$BATS_TEST_TMPDIR/narrow.ini"
	run -2 in_ns host "$DFWGEN" apply -t "$BATS_TEST_TMPDIR/tpl" -c "$BATS_TEST_TMPDIR/narrow.ini" -d "$BATS_TEST_TMPDIR/empty" --state-dir "$STATE"
	snapshot >"$BATS_TEST_TMPDIR/after"
	run -0 diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
}

@test "without ipset on PATH apply fails cleanly and changes nothing" {
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	for tool in /usr/sbin/*tables* /usr/bin/*tables* /usr/sbin/xtables*; do
		[ -e "$tool" ] && ln -sf "$tool" "$BATS_TEST_TMPDIR/bin/"
	done
	snapshot >"$BATS_TEST_TMPDIR/before"
	run -2 --separate-stderr in_ns host env PATH="$BATS_TEST_TMPDIR/bin" "$DFWGEN" apply -t "$TEMPLATES" -c "$CONF" -d "$BATS_TEST_TMPDIR/empty" --state-dir "$STATE"
	[[ "$stderr" == *"loading the sets failed (ipset, exit 127)"* ]]
	snapshot >"$BATS_TEST_TMPDIR/after"
	run -0 diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
}

@test "a set that cannot be created fails the apply and changes nothing" {
	run -0 in_ns host ipset create dfw-trusted-4 hash:ip family inet
	snapshot >"$BATS_TEST_TMPDIR/before"
	run -2 --separate-stderr dfw_apply
	[[ "$stderr" == *"loading the sets failed"* ]]
	snapshot >"$BATS_TEST_TMPDIR/after"
	diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after" >&3 || true; run -0 diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
}

@test "an apply killed between steps is recovered by the next run" {
	run -0 dfw_apply
	snapshot >"$BATS_TEST_TMPDIR/clean"
	reset_firewall le27
	for step in after-sets after-v4; do
		run in_ns host env DFWGEN_FAULT=$step "$DFWGEN_FAULTY" apply -t "$TEMPLATES" -c "$CONF" -d "$BATS_TEST_TMPDIR/empty" --state-dir "$STATE"
		assert_equal "$status" 137
		[ -e "$STATE/pending" ]
		run -0 --separate-stderr dfw_apply
		[[ "$stderr" == *"an earlier apply did not finish: restoring"* ]]
		[ ! -e "$STATE/pending" ]
		snapshot >"$BATS_TEST_TMPDIR/after.$step"
		run -0 diff "$BATS_TEST_TMPDIR/clean" "$BATS_TEST_TMPDIR/after.$step"
		reset_firewall le27
	done
}

@test "--confirm without confirmation rolls back after the timeout" {
	snapshot >"$BATS_TEST_TMPDIR/before"
	run -1 --separate-stderr dfw_apply --confirm 2
	[[ "$stderr" == *"not confirmed within 2 seconds: the previous ruleset is back"* ]]
	snapshot >"$BATS_TEST_TMPDIR/after"
	diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after" >&3 || true; run -0 diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
}

@test "--confirm with dfwgen confirm keeps the new rules" {
	dfw_apply --confirm 20 >"$BATS_TEST_TMPDIR/apply.out" 2>&1 &
	local pid=$!
	for _ in $(seq 1 100); do [ -e "$STATE/pending" ] && in_ns host iptables -S FILTERS >/dev/null 2>&1 && break; sleep 0.1; done
	run -0 in_ns host "$DFWGEN" confirm --state-dir "$STATE"
	wait "$pid"
	run -0 dfw_status
	# nothing waits any more: said, exit 1
	run -1 in_ns host "$DFWGEN" confirm --state-dir "$STATE"
	assert_output --partial "nothing to confirm: no apply --confirm is waiting (state directory $STATE) [nothing-to-confirm]"
}

@test "--confirm says how to confirm, tty or not, with the state directory when it is not the default" {
	run -1 --separate-stderr dfw_apply --confirm 1 </dev/null
	[[ "$stderr" == *"keep them within 1 seconds with: dfwgen confirm --state-dir '$STATE'"* ]]
	[[ "$stderr" == *"or on a hangup, Ctrl-C or SIGTERM, the previous ruleset is put back"* ]]
}

@test "--confirm: SIGHUP, SIGINT and SIGTERM while waiting roll back and exit 1" {
	snapshot >"$BATS_TEST_TMPDIR/before"
	for sig in HUP INT TERM; do
		dfw_apply --confirm 60 </dev/null >"$BATS_TEST_TMPDIR/apply.$sig" 2>&1 &
		local pid=$!
		for _ in $(seq 1 100); do grep -q 'keep them within' "$BATS_TEST_TMPDIR/apply.$sig" && break; sleep 0.1; done
		in_ns host iptables -S FILTERS >/dev/null # the new rules are in force while it waits
		# the signal goes to dfwgen itself, as a dropped session's or systemctl's would
		local dfw
		dfw=$(pgrep -x -P "$(pgrep -d, -P "$pid")" dfwgen || pgrep -x -P "$pid" dfwgen)
		kill -"$sig" "$dfw"
		local status=0
		wait "$pid" || status=$?
		assert_equal "$status" 1
		run cat "$BATS_TEST_TMPDIR/apply.$sig"
		assert_output --partial "before the rules were confirmed: the previous ruleset is back"
		[ ! -e "$STATE/pending" ]
		snapshot >"$BATS_TEST_TMPDIR/after.$sig"
		run -0 diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after.$sig"
	done
}

@test "--dry-run prints what would change, changes nothing, and exits 1 when something would, 0 when not" {
	snapshot >"$BATS_TEST_TMPDIR/before"
	run -1 dfw_apply --dry-run
	assert_line 'would change IPv4 input-jump: INPUT does not jump to FILTERS'
	assert_line 'would change set: set dfw-trusted-4 lacks 192.0.2.10'
	snapshot >"$BATS_TEST_TMPDIR/after"
	run -0 diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
	run -0 dfw_apply
	run -0 dfw_apply --dry-run
	assert_output "in sync: the host holds what the configuration generates"
	# a [set] taken out of the config: the sets the next apply destroys are named
	printf '[set gone]\nentries = 10.9.9.9\n' | cat "$CONF" - >"$BATS_TEST_TMPDIR/more.ini"
	CONF="$BATS_TEST_TMPDIR/more.ini" run -0 dfw_apply
	run -1 dfw_apply --dry-run
	assert_line 'would change set: set dfw-gone-4 is in no [set] of the configuration: apply destroys it'
	assert_line 'would change set: set dfw-gone-6 is in no [set] of the configuration: apply destroys it'
	run -1 dfw_status
	assert_line 'drift set: set dfw-gone-4 is in no [set] of the configuration: apply destroys it'
	# any dfw- set is dfwgen's: one of another shape is named, then destroyed, too
	run -0 in_ns host ipset create dfw-odd hash:ip
	run -1 dfw_status
	assert_line 'drift set: set dfw-odd is in no [set] of the configuration: apply destroys it'
	run -0 --separate-stderr dfw_apply
	[[ "$stderr" == *"destroyed: "*"dfw-odd"* ]]
	run -1 in_ns host ipset list -n dfw-odd
}

@test "status --backend legacy where no legacy table exists says so, and creates none" {
	run -0 dfw_apply
	# (the file exists only once the legacy module is loaded)
	[[ "$(in_ns host sh -c 'cat /proc/net/ip_tables_names 2>/dev/null; true')" != *filter* ]]
	run -1 dfw_status --backend legacy
	assert_output "drift backend: --backend legacy: the legacy tables do not exist here (iptables-legacy holds no filter table), so nothing of dfwgen's is loaded there; the host's rules are in the nft tables (drop --backend)"
	[[ "$(in_ns host sh -c 'cat /proc/net/ip_tables_names 2>/dev/null; true')" != *filter* ]]
	run -0 dfw_status
}

@test "a [limit] loads, and status is in sync after it (its rate as iptables-save prints it)" {
	printf '[limit ssh]\nport = 22\nrate = 6/minute\nburst = 10\n[limit web]\nscope = containers\nport = 8000\nrate = 20/second\n' |
		cat "$CONF" - >"$BATS_TEST_TMPDIR/limit.ini"
	CONF="$BATS_TEST_TMPDIR/limit.ini" run -0 dfw_apply
	run -0 in_ns host iptables -S FILTERS
	assert_line --partial -- '--hashlimit-above 6/min --hashlimit-burst 10 --hashlimit-mode srcip --hashlimit-name dfw-ssh'
	CONF="$BATS_TEST_TMPDIR/limit.ini" run -0 dfw_status
	assert_output "in sync: the host holds what the configuration generates"
}

@test "apply says in one line what it changed: chains, sets, members" {
	# ten more IPv4 members: one changed is few enough to change in place
	sed 's/^entries = 192.0.2.10, 203.0.113.0\/24$/&, 10.0.1.1, 10.0.1.2, 10.0.1.3, 10.0.1.4, 10.0.1.5, 10.0.1.6, 10.0.1.7, 10.0.1.8, 10.0.1.9, 10.0.1.10/' \
		"$CONF" >"$BATS_TEST_TMPDIR/ten.ini"
	CONF="$BATS_TEST_TMPDIR/ten.ini" run -0 --separate-stderr dfw_apply
	[[ "$stderr" == *"generation "*" in force: IPv4 rules reloaded, IPv6 rules reloaded; sets: 2 rebuilt, 0 changed in place (0 members added, 0 removed)"* ]]
	CONF="$BATS_TEST_TMPDIR/ten.ini" run -0 --separate-stderr dfw_apply
	[[ "$stderr" == *" in force: IPv4 rules unchanged, IPv6 rules unchanged; sets: 0 rebuilt, 0 changed in place (0 members added, 0 removed)"* ]]
	sed 's/10.0.1.10$/10.0.1.11/' "$BATS_TEST_TMPDIR/ten.ini" >"$BATS_TEST_TMPDIR/moved.ini"
	CONF="$BATS_TEST_TMPDIR/moved.ini" run -0 --separate-stderr dfw_apply
	[[ "$stderr" == *" in force: IPv4 rules unchanged, IPv6 rules unchanged; sets: 0 rebuilt, 1 changed in place (1 members added, 1 removed)"* ]]
	CONF="$FIXTURES/e2e/devto.ini" run -0 --separate-stderr dfw_apply
	[[ "$stderr" == *"destroyed: dfw-trusted-4, dfw-trusted-6"* ]] || [[ "$stderr" == *"destroyed: dfw-trusted-6, dfw-trusted-4"* ]]
}

@test "status reports each kind of drift after the host is broken on purpose" {
	run -0 dfw_apply
	in_ns host iptables -D FORWARD -j DOCKER-USER
	in_ns host iptables -A INPUT -j FILTERS
	in_ns host ipset flush dfw-trusted-4
	in_ns host ipset add dfw-trusted-4 198.51.100.99
	in_ns host ip6tables -D DOCKER-USER 1
	in_ns host ip6tables -I DOCKER-USER 2 -s 2001:db8:99::1 -j RETURN
	run -1 dfw_status
	assert_line 'drift IPv4 forward-jump: FORWARD does not jump to DOCKER-USER'
	assert_line 'drift IPv4 input-jump: INPUT jumps to FILTERS 2 times'
	assert_line 'drift set: set dfw-trusted-4 lacks 192.0.2.10'
	assert_line 'drift set: set dfw-trusted-4 holds 198.51.100.99, which the config does not'
	assert_line --partial 'drift IPv6 chain: + -A DOCKER-USER -m conntrack --ctstate RELATED,ESTABLISHED'
	assert_line 'drift IPv6 chain: - -A DOCKER-USER -s 2001:db8:99::1/128 -j RETURN'
	refute_line --partial 'drift IPv4 chain'
	run -1 dfw_status --format json
	json=$output
	run -0 jq -r '.drift[] | "\(.family) \(.kind)"' <<<"$json"
	assert_line '4 forward-jump'
	assert_line '0 set'
	# a rule or member one side lacks says which side, not only in its text
	run -0 jq -r '.drift[] | select(.change != null) | "\(.kind) \(.change) \(.what)"' <<<"$json"
	assert_line 'set missing set dfw-trusted-4 lacks 192.0.2.10'
	assert_line 'set extra set dfw-trusted-4 holds 198.51.100.99, which the config does not'
	assert_line 'chain extra - -A DOCKER-USER -s 2001:db8:99::1/128 -j RETURN'
	assert_line --partial 'chain missing + -A DOCKER-USER -m conntrack --ctstate RELATED,ESTABLISHED'
	run -0 jq -e '[.drift[] | select(.kind == "forward-jump")][0].change == null' <<<"$json"
	# the hand-added DOCKER-USER rule is not dfwgen's: apply names it and
	# changes nothing, unless told to adopt it
	snapshot >"$BATS_TEST_TMPDIR/before"
	run -2 --separate-stderr dfw_apply
	[[ "$stderr" == *"IPv6 filter: '-A DOCKER-USER -s 2001:db8:99::1/128 -j RETURN' is in DOCKER-USER, but dfwgen did not write it"*"[foreign-rule]"* ]]
	[[ "$stderr" == *"nothing changed: 1 rule in dfwgen's chains is not dfwgen's"*"--adopt"* ]]
	snapshot >"$BATS_TEST_TMPDIR/after"
	run -0 diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
	run -0 --separate-stderr dfw_apply --adopt
	[[ "$stderr" == *"note: IPv6 filter: adopting (removing) '-A DOCKER-USER -s 2001:db8:99::1/128 -j RETURN'"* ]]
	run -0 dfw_status
}

@test "status: the guard's jump decides whether a FORWARD jump pushed down is drift" {
	run -0 dfw_apply
	# Docker's rules above our filter FORWARD jump: the guard still comes first, no drift
	in_ns host iptables -D FORWARD -j DOCKER-USER
	in_ns host iptables -A FORWARD -j DOCKER-USER
	run -0 dfw_status
	# without the guard's jump the same is drift, and so is the missing jump
	in_ns host iptables -t mangle -D FORWARD -j DFWGEN-FORWARD
	run -1 dfw_status
	assert_line 'drift IPv4 guard-jump: FORWARD (mangle) does not jump to DFWGEN-FORWARD'
	assert_line --partial "drift IPv4 forward-jump: FORWARD's jump to DOCKER-USER is rule"
	run -0 jq -r '.drift[] | "\(.family) \(.kind)"' < <(dfw_status --format json)
	assert_line '4 guard-jump'
	run -0 dfw_apply
	run -0 dfw_status
}

@test "status: a jump pushed down by another rule, and a set that is gone" {
	run -0 dfw_apply
	in_ns host iptables -I INPUT 1 -i lo -j ACCEPT
	run -1 dfw_status
	assert_line "drift IPv4 input-jump: INPUT's jump to FILTERS is rule 2, not the first"
	run -2 --separate-stderr dfw_status --backend nft -c "$BATS_TEST_TMPDIR/missing.ini"
}

@test "sets no rule uses any more are destroyed" {
	printf '[set old]\nentries = 192.0.2.99\n[host]\ntcp = 22\nallow = old\n' >"$BATS_TEST_TMPDIR/old.ini"
	run -0 in_ns host "$DFWGEN" apply -t "$TEMPLATES" -c "$BATS_TEST_TMPDIR/old.ini" -d "$BATS_TEST_TMPDIR/empty" --state-dir "$STATE"
	run -0 in_ns host ipset list -n
	assert_line dfw-old-4
	run -0 dfw_apply
	run -0 in_ns host ipset list -n
	refute_line dfw-old-4
	assert_line dfw-trusted-4
}

# many_members_conf FILE: a set of 5,000 IPv4 and 3,000 IPv6 entries, hosts and
# networks: several netlink batches per family
many_members_conf() {
	awk 'BEGIN {
		for (i = 0; i < 5000; i++) printf "10.%d.%d.%d%s\n", i / 256, i % 256, i % 2 ? 1 : 0, i % 2 ? "" : "/31"
		for (i = 0; i < 3000; i++) printf "2001:db8:%x::%s\n", i, i % 2 ? "1" : "/48"
	}' >"$BATS_TEST_TMPDIR/many.list"
	printf '[set many]\nfile = %s\n[host]\ntcp = 22\nallow = many\n' "$BATS_TEST_TMPDIR/many.list" >"$1"
}

# wanted_members CONF: the members dfwgen's ipset file adds, as `ipset save`
# prints them once the new sets are swapped in
wanted_members() {
	"$DFWGEN" ipsets -t "$TEMPLATES" -c "$1" -d "$BATS_TEST_TMPDIR/empty" |
		sed -n 's/^add \([^ ]*\)\.n \([^ ]*\) -exist$/add \1 \2/p' | sort
}

@test "members loaded over netlink are exactly the ipset file's, IPv4 and IPv6" {
	many_members_conf "$BATS_TEST_TMPDIR/many.ini"
	wanted_members "$BATS_TEST_TMPDIR/many.ini" >"$BATS_TEST_TMPDIR/want"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/want")" -eq 8000 ]
	# an ipset on PATH that keeps what it is given: no member may go through it
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	printf '#!/bin/sh\ntee -a %s | /usr/sbin/ipset "$@"\n' "$BATS_TEST_TMPDIR/ipset-input" >"$BATS_TEST_TMPDIR/bin/ipset"
	chmod +x "$BATS_TEST_TMPDIR/bin/ipset"
	run -0 in_ns host env PATH="$BATS_TEST_TMPDIR/bin:$PATH" "$DFWGEN" apply -t "$TEMPLATES" -c "$BATS_TEST_TMPDIR/many.ini" \
		-d "$BATS_TEST_TMPDIR/empty" --state-dir "$STATE"
	run -0 grep -c '^create dfw-many-[46]\.n ' "$BATS_TEST_TMPDIR/ipset-input"
	assert_output 2
	run -1 grep '^add ' "$BATS_TEST_TMPDIR/ipset-input"
	in_ns host ipset save | grep '^add ' | sort >"$BATS_TEST_TMPDIR/got"
	run -0 diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	run -0 in_ns host "$DFWGEN" status -t "$TEMPLATES" -c "$BATS_TEST_TMPDIR/many.ini" -d "$BATS_TEST_TMPDIR/empty" --state-dir "$STATE"
}

@test "when the kernel refuses the netlink batches, ipset restore loads the members" {
	many_members_conf "$BATS_TEST_TMPDIR/many.ini"
	wanted_members "$BATS_TEST_TMPDIR/many.ini" >"$BATS_TEST_TMPDIR/want"
	run -0 in_ns host env DFWGEN_FAULT=netlink "$DFWGEN_FAULTY" apply -t "$TEMPLATES" -c "$BATS_TEST_TMPDIR/many.ini" \
		-d "$BATS_TEST_TMPDIR/empty" --state-dir "$STATE"
	in_ns host ipset save | grep '^add ' | sort >"$BATS_TEST_TMPDIR/got"
	run -0 diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
}

@test "the Docker drop-in's command re-applies after a Docker restart" {
	run -0 dfw_apply
	snapshot >"$BATS_TEST_TMPDIR/before"
	docker_restart
	cmd=$(sed -n 's/^ExecStartPost=-@LIBDIR@\/dfwgen-hook //p' "$ROOT/contrib/systemd/docker.service.d-dfwgen.conf")
	assert_equal "$cmd" docker
	run -0 in_ns host env DFWGEN_HOOKS=1 DFWGEN="$DFWGEN" \
		DFWGEN_ARGS="-t $TEMPLATES -c $CONF -d $BATS_TEST_TMPDIR/empty --state-dir $STATE" "$ROOT/contrib/dfwgen-hook" "$cmd"
	snapshot >"$BATS_TEST_TMPDIR/after"
	run -0 diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
}

@test "the apt hook re-applies, and never fails apt even when dfwgen does" {
	hook=$(sed -n 's/^DPkg::Post-Invoke { "\(.*\)"; };$/\1/p' "$ROOT/contrib/apt/80dfwgen" | sed "s|@LIBDIR@|$ROOT/contrib|")
	[ -n "$hook" ]
	run -0 in_ns host env DFWGEN_HOOKS=1 DFWGEN="$DFWGEN" \
		DFWGEN_ARGS="-t $TEMPLATES -c $CONF -d $BATS_TEST_TMPDIR/empty --state-dir $STATE" sh -c "$hook"
	run -0 dfw_status
	snapshot >"$BATS_TEST_TMPDIR/before"
	run -0 --separate-stderr in_ns host env DFWGEN_HOOKS=1 DFWGEN="$DFWGEN" \
		DFWGEN_ARGS="-t $TEMPLATES -c $BATS_TEST_TMPDIR/missing.ini -d $BATS_TEST_TMPDIR/empty --state-dir $STATE" sh -c "$hook"
	snapshot >"$BATS_TEST_TMPDIR/after"
	run -0 diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
}

@test "the hooks do nothing unless the admin opted in" {
	run -0 in_ns host env -u DFWGEN_HOOKS DFWGEN="$DFWGEN" \
		DFWGEN_ARGS="-t $TEMPLATES -c $CONF -d $BATS_TEST_TMPDIR/empty --state-dir $STATE" "$ROOT/contrib/dfwgen-hook" apt
	run -1 dfw_status
	assert_line 'drift IPv4 input-jump: INPUT does not jump to FILTERS'
}

@test "the netfilter-persistent plugins load the sets first, then the rules" {
	mkdir -p "$BATS_TEST_TMPDIR/nfp"
	sed "s|@LIBDIR@|$ROOT/contrib|g" "$ROOT/contrib/netfilter-persistent/dfwgen" >"$BATS_TEST_TMPDIR/nfp/05-dfwgen-sets"
	cp "$BATS_TEST_TMPDIR/nfp/05-dfwgen-sets" "$BATS_TEST_TMPDIR/nfp/35-dfwgen"
	chmod +x "$BATS_TEST_TMPDIR"/nfp/*
	export DFWGEN_HOOKS=1 DFWGEN DFWGEN_ARGS="-t $TEMPLATES -c $CONF -d $BATS_TEST_TMPDIR/empty"
	run -0 in_ns host "$BATS_TEST_TMPDIR/nfp/05-dfwgen-sets" start
	run -0 in_ns host ipset list dfw-trusted-4
	run -1 in_ns host iptables -S FILTERS
	DFWGEN_ARGS="$DFWGEN_ARGS --state-dir $STATE"
	run -0 in_ns host "$BATS_TEST_TMPDIR/nfp/35-dfwgen" start
	run -0 dfw_status
	run -0 in_ns host "$BATS_TEST_TMPDIR/nfp/35-dfwgen" save
}

@test "a second apply waits for the lock and changes nothing meanwhile" {
	mkdir -p "$STATE"
	snapshot >"$BATS_TEST_TMPDIR/before"
	flock "$STATE/lock" sleep 3 &
	local holder=$!
	sleep 0.5
	dfw_apply >/dev/null 2>&1 &
	local applier=$!
	sleep 1
	kill -0 "$applier"
	snapshot >"$BATS_TEST_TMPDIR/during"
	run -0 diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/during"
	wait "$holder"
	wait "$applier"
	run -0 dfw_status
}

@test "apply follows Docker's iptables flavour: legacy tables get legacy rules" {
	in_ns host iptables -F
	in_ns host iptables -X
	in_ns host ip6tables -F
	in_ns host ip6tables -X
	in_ns host iptables-legacy-restore "$FIXTURES/docker/le27.v4"
	in_ns host ip6tables-legacy-restore "$FIXTURES/docker/le27.v6"
	run -0 dfw_apply
	run -0 in_ns host iptables-legacy-save -t filter
	assert_line '-A INPUT -j FILTERS'
	assert_line '-A FORWARD -j DOCKER-USER'
	run -0 in_ns host iptables-nft-save -t filter
	refute_line --partial 'FILTERS'
	run -0 dfw_status
	run -0 in_ns host iptables-legacy -F
	run -0 in_ns host iptables-legacy -X
	run -0 in_ns host ip6tables-legacy -F
	run -0 in_ns host ip6tables-legacy -X
}

@test "[docker] external naming an interface the host lacks: apply and status refuse, naming those it has" {
	printf '[docker]\nexternal = ext-t, eht0\n[host]\ntcp = 22\n' >"$BATS_TEST_TMPDIR/typo.ini"
	snapshot >"$BATS_TEST_TMPDIR/before"
	run -2 --separate-stderr in_ns host "$DFWGEN" apply -t "$TEMPLATES" -c "$BATS_TEST_TMPDIR/typo.ini" -d "$BATS_TEST_TMPDIR/empty" --state-dir "$STATE"
	[[ "$stderr" == *"typo.ini:2:19: error: [docker] external names 'eht0', which this host does not have (it has: lo, "*"ext-t"*"[no-such-interface]"* ]]
	snapshot >"$BATS_TEST_TMPDIR/after"
	run -0 diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after"
	run -2 --separate-stderr in_ns host "$DFWGEN" status -t "$TEMPLATES" -c "$BATS_TEST_TMPDIR/typo.ini" -d "$BATS_TEST_TMPDIR/empty" --state-dir "$STATE"
	[[ "$stderr" == *"[no-such-interface]"* ]]
	# generating as root from the live state says the same; for another host (--live) it cannot know
	run -2 --separate-stderr in_ns host "$DFWGEN" -t "$TEMPLATES" -c "$BATS_TEST_TMPDIR/typo.ini" -d "$BATS_TEST_TMPDIR/empty"
	[[ "$stderr" == *"[no-such-interface]"* ]]
	run -0 in_ns host "$DFWGEN" -t "$TEMPLATES" -c "$BATS_TEST_TMPDIR/typo.ini" -d "$BATS_TEST_TMPDIR/empty" --live none
	# a wildcard that matches an interface is fine
	printf '[docker]\nexternal = ext-+\n[host]\ntcp = 22\n' >"$BATS_TEST_TMPDIR/wild.ini"
	run -0 in_ns host "$DFWGEN" apply -t "$TEMPLATES" -c "$BATS_TEST_TMPDIR/wild.ini" -d "$BATS_TEST_TMPDIR/empty" --state-dir "$STATE"
}

@test "a bridge the config names that does not exist yet is a warning; the defaults are not" {
	printf '[docker]\nbridges = docker0, docker7\n[host]\ntcp = 22\n' >"$BATS_TEST_TMPDIR/br.ini"
	run -0 --separate-stderr in_ns host "$DFWGEN" apply -t "$TEMPLATES" -c "$BATS_TEST_TMPDIR/br.ini" -d "$BATS_TEST_TMPDIR/empty" --state-dir "$STATE"
	[[ "$stderr" == *"br.ini:2:20: warning: [docker] bridges names 'docker7', which does not exist (yet)"*"[no-such-bridge]"* ]]
	# docker_gwbridge (a default) exists only under Swarm: no word about it
	run -0 --separate-stderr dfw_apply
	[[ "$stderr" != *"no-such-bridge"* ]]
}

@test "a [port] or [containers] port that is a container's port, not a published one, is a warning naming what is" {
	# the imitation publishes 8000 -> web:80, 5432 -> db:5432, 8081 -> app:8080
	printf '[host]\ntcp = 22\n[containers]\ntcp = 80, 5432\n[port django]\nport = 8080\nallow = 192.0.2.10\n' >"$BATS_TEST_TMPDIR/ports.ini"
	run -0 --separate-stderr in_ns host "$DFWGEN" apply -t "$TEMPLATES" -c "$BATS_TEST_TMPDIR/ports.ini" -d "$BATS_TEST_TMPDIR/empty" --state-dir "$STATE"
	[[ "$stderr" == *"ports.ini:6:8: warning: [port django] 8080 is a container's port, not a published one: nothing is published on 8080 here; 8081 -> 172.17.0.4:8080 is (name the published port: 8081) [not-published]"* ]]
	[[ "$stderr" == *"ports.ini:4:7: warning: [containers] tcp 80 is a container's port, not a published one: nothing is published on 80 here; 8000 -> 172.17.0.2:80 is"* ]]
	# 5432 is published as itself: no word about it
	[[ "$stderr" != *"tcp 5432"* ]]
}
