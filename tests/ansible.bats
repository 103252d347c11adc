#!/usr/bin/env bats
# sanitized: no (needs root and network namespaces; its dfwgen runs as root, unsanitized)
# The Ansible role (contrib/ansible) for real: ansible-playbook in a
# controller namespace, over real SSH (an sshd per host namespace, on that
# namespace's address, keys made here) to three host namespaces holding
# Docker's chains, each with its own etc and state directories.
#
#   ctl 10.77.N.1, fd77:N::1  --veth--  hN 10.77.N.2, fd77:N::2   (N = 1, 2, 3)
#
# Every sshd runs inside its namespace through ns-guard, with a private /run
# (its privilege-separation directory) in a mount namespace of its own.

setup_file() {
	load test_helper
	load netns_helper
	require_netns
	export NS_STATE="$BATS_FILE_TMPDIR" DFWT_ID="$$"
	local T=$BATS_FILE_TMPDIR n
	ns_add ctl
	ssh-keygen -q -t ed25519 -N '' -f "$T/key"
	cp "$T/key.pub" "$T/authorized_keys"
	for n in 1 2 3; do
		ns_add h$n
		ip -n "$(ns_name ctl)" link add c$n type veth peer name eth0 netns "$(ns_name h$n)"
		ip -n "$(ns_name ctl)" addr add 10.77.$n.1/24 dev c$n
		ip -n "$(ns_name ctl)" addr add fd77:$n::1/64 dev c$n nodad
		ip -n "$(ns_name ctl)" link set c$n up
		ip -n "$(ns_name h$n)" addr add 10.77.$n.2/24 dev eth0
		ip -n "$(ns_name h$n)" addr add fd77:$n::2/64 dev eth0 nodad
		ip -n "$(ns_name h$n)" link set eth0 up
		in_ns h$n iptables-restore "$FIXTURES/docker/le27.v4"
		in_ns h$n ip6tables-restore "$FIXTURES/docker/le27.v6"
		mkdir -p "$T/h$n/etc/rules.d"
		ssh-keygen -q -t ed25519 -N '' -f "$T/h$n/hostkey"
		cat >"$T/h$n/sshd_config" <<-EOF
			ListenAddress 10.77.$n.2
			HostKey $T/h$n/hostkey
			PidFile none
			AuthorizedKeysFile $T/authorized_keys
			PermitRootLogin prohibit-password
			PasswordAuthentication no
			KbdInteractiveAuthentication no
			UsePAM no
			StrictModes no
			Subsystem sftp /usr/lib/openssh/sftp-server
		EOF
		# shellcheck disable=SC2016 # expanded by the inner shell
		ns_spawn h$n unshare --mount --propagation private sh -c \
			'mount -t tmpfs -o mode=0755 tmpfs /run && mkdir -m 0755 /run/sshd && exec /usr/sbin/sshd -D -e -f "$1"' \
			sh "$T/h$n/sshd_config"
	done
	for n in 1 2 3; do
		for _ in $(seq 1 50); do
			[ -n "$(in_ns h$n ss -Hltn 'sport = :22')" ] && break
			sleep 0.1
		done
	done
	write_inventory
}

teardown_file() {
	load test_helper
	load netns_helper
	ns_teardown
}

setup() {
	load test_helper
	load netns_helper
	require_netns
	T=$BATS_FILE_TMPDIR
}

write_inventory() {
	local T=$BATS_FILE_TMPDIR n
	mkdir -p "$T/inv/host_vars" "$T/inv/group_vars"
	cat >"$T/inv/hosts" <<-EOF
		[fleet]
		h1 ansible_host=10.77.1.2
		h2 ansible_host=10.77.2.2
		h3 ansible_host=10.77.3.2

		[swarm]
		h1
		h2
	EOF
	cat >"$T/inv/group_vars/fleet.yml" <<-EOF
		ansible_user: root
		ansible_python_interpreter: /usr/bin/python3
		ansible_ssh_private_key_file: $T/key
		ansible_ssh_common_args: -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no
		dfwgen_binary: $ROOT/dfwgen
		dfwgen_templates_dir: $ROOT/templates
		dfwgen_confirm_seconds: 20
		dfwgen_reconnect_seconds: 8
		dfwgen_config:
		  global: {family: both}
		  set admins: {entries: [10.77.0.0/16, "fd77::/16"]}
		  host: {allow: [admins], icmp: true}
		  containers: {tcp: [443]}
	EOF
	echo "dfwgen_swarm_group: swarm" >"$T/inv/group_vars/swarm.yml"
	for n in 1 2 3; do
		printf 'dfwgen_etc_dir: %s\ndfwgen_state_dir: %s\n' "$T/h$n/etc" "$T/h$n/state" >"$T/inv/host_vars/h$n.yml"
	done
	# h3's admins are elsewhere: its new rules cut the controller off
	cat >>"$T/inv/host_vars/h3.yml" <<-EOF
		dfwgen_config:
		  global: {family: both}
		  set admins: {entries: [198.51.100.99, "2001:db8:99::99"]}
		  host: {allow: [admins]}
	EOF
}

# playbook [ansible-playbook args...]: the example playbook from the controller.
playbook() {
	in_ns ctl env ANSIBLE_ROLES_PATH="$ROOT/contrib/ansible/roles" ANSIBLE_HOST_KEY_CHECKING=False \
		ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_LOCAL_TEMP="$T/ansible-local" \
		ansible-playbook -i "$T/inv" "$ROOT/contrib/ansible/example/site.yml" "$@"
}

host_status() {
	in_ns "$1" "$DFWGEN" status -c /dev/null -d "$T/$1/etc/rules.d" -t "$ROOT/templates" --state-dir "$T/$1/state"
}

# recap HOST: the PLAY RECAP line of HOST in $output
recap() { grep -E "^$1 +:" <<<"$output"; }

# show_recap: the play's recap (and failures) in the TAP output, for the record
show_recap() { grep -E '^(fatal: |h[0-9] +:|localhost +:)' <<<"$output" | cut -c1-220 | sed 's/^/# /' >&3; }

@test "ansible 1: the rollout: two hosts confirmed, the one that cut the controller off rolls back and fails" {
	run playbook
	show_recap
	assert_equal "$status" 2
	[[ "$(recap h1)" == *"failed=0"* ]] && [[ "$(recap h1)" =~ changed=[1-9] ]]
	[[ "$(recap h2)" == *"failed=0"* ]]
	[[ "$(recap h3)" =~ (failed|unreachable)=1 ]]
	assert_output --partial "h3 was not reached again over a new connection"
	run -0 host_status h1
	run -0 host_status h2
	run -0 in_ns h1 iptables -S INPUT
	assert_line '-A INPUT -j FILTERS'
	# h3: unconfirmed, back as it was (dfwgen had nothing confirmed there)
	for _ in $(seq 1 60); do
		[ -e "$T/h3/state/pending" ] || break
		sleep 0.5
	done
	[ ! -e "$T/h3/state/pending" ]
	run -0 in_ns h3 iptables-save
	refute_output --partial FILTERS
	run -0 cat "$T/h3/state/rejected"
	[ -n "$output" ]
	# and the controller reaches it again
	run -0 in_ns ctl ssh -i "$T/key" -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o ConnectTimeout=5 \
		root@10.77.3.2 true
}

@test "ansible 2: the Swarm group's addresses become swarm_peers" {
	run -0 grep -x 'swarm_peers = 10.77.1.2, fd77:1::2, 10.77.2.2, fd77:2::2' "$T/h1/etc/rules.d/50-ansible.ini"
	run -0 grep -x 'swarm = yes' "$T/h2/etc/rules.d/50-ansible.ini"
	run -0 in_ns h1 iptables -S FILTERS
	assert_line --partial '-A FILTERS -s 10.77.2.2/32 -p tcp -m tcp --dport 2377'
	run -0 in_ns h3 iptables-save
	refute_output --partial 'dport 2377'
}

@test "ansible 3: a second run changes nothing" {
	run -0 playbook --limit h1,h2
	show_recap
	[[ "$(recap h1)" == *"changed=0"*"failed=0"* ]]
	[[ "$(recap h2)" == *"changed=0"*"failed=0"* ]]
}

@test "ansible 4: check mode says what would change and changes nothing" {
	in_ns h1 iptables-save >"$T/h1.before"
	cp "$T/h1/etc/rules.d/50-ansible.ini" "$T/h1.ini.before"
	run -0 playbook -v --limit h1 --check -e '{"dfwgen_config": {"set admins": {"entries": ["10.77.0.0/16", "fd77::/16"]}, "host": {"allow": ["admins"], "tcp": [80]}}}'
	show_recap
	[[ "$(recap h1)" =~ changed=[1-9] ]]
	assert_output --partial 'would change'
	run -0 diff "$T/h1.ini.before" "$T/h1/etc/rules.d/50-ansible.ini"
	run -0 in_ns h1 iptables-save
	diff <(grep -v '^#' "$T/h1.before" | sed 's/\[[0-9]*:[0-9]*\]//') <(grep -v '^#' <<<"$output" | sed 's/\[[0-9]*:[0-9]*\]//')
	run -0 playbook -v --limit h1 --check

	[[ "$(recap h1)" == *"changed=0"* ]]
}

@test "ansible 4b: with serial: 1 each host is its own batch; the failing one does not stop the others" {
	sed -i 's/containers: {tcp: \[443\]}/containers: {tcp: [443, 8443]}/' "$T/inv/group_vars/fleet.yml"
	run playbook -e dfwgen_serial=1
	show_recap
	sed -i 's/containers: {tcp: \[443, 8443\]}/containers: {tcp: [443]}/' "$T/inv/group_vars/fleet.yml"
	assert_equal "$status" 2
	[[ "$(recap h1)" =~ changed=[1-9] ]] && [[ "$(recap h1)" == *"failed=0"* ]]
	[[ "$(recap h2)" =~ changed=[1-9] ]] && [[ "$(recap h2)" == *"failed=0"* ]]
	[[ "$(recap h3)" =~ (failed|unreachable)=1 ]]
	run -0 in_ns h2 iptables -S DOCKER-USER
	assert_output --partial 'ctorigdstport 8443'
	run -0 host_status h1
}

@test "ansible 5: connection local inside one namespace" {
	ns_add local
	in_ns local iptables-restore "$FIXTURES/docker/le27.v4"
	in_ns local ip6tables-restore "$FIXTURES/docker/le27.v6"
	run -0 in_ns local env ANSIBLE_ROLES_PATH="$ROOT/contrib/ansible/roles" ANSIBLE_NOCOLOR=1 ANSIBLE_LOCAL_TEMP="$T/ansible-local" \
		ansible-playbook -c local -i 'localhost,' "$ROOT/contrib/ansible/example/site.yml" -e "fleet_hosts=localhost" \
		-e "{\"dfwgen_binary\": \"$ROOT/dfwgen\", \"dfwgen_templates_dir\": \"$ROOT/templates\", \"dfwgen_etc_dir\": \"$T/local/etc\",
		     \"dfwgen_state_dir\": \"$T/local/state\", \"dfwgen_confirm_seconds\": 20, \"ansible_python_interpreter\": \"/usr/bin/python3\",
		     \"dfwgen_config\": {\"host\": {\"tcp\": [22]}}}"
	[[ "$(recap localhost)" =~ changed=[1-9] ]] && [[ "$(recap localhost)" == *"failed=0"* ]]
	run -0 in_ns local "$DFWGEN" status -c /dev/null -d "$T/local/etc/rules.d" -t "$ROOT/templates" --state-dir "$T/local/state"
}
