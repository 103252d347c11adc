# A simulated Docker host out of network namespaces (see tests/README in the
# main README, "End-to-end tests"). Everything runs through in_ns (netns_helper).
#
#   ct  trusted client   192.0.2.10     2001:db8:2::10    --ext-t--+
#   co  office client    203.0.113.30   2001:db8:113::30  --ext-o--+ host
#   cu  untrusted client 198.51.100.20  2001:db8:51::20   --ext-u--+ (docker0 172.17.0.1/16,
#   web 172.17.0.2:80    db 172.17.0.3:5432   app 172.17.0.4:8080    fd00:dead:beef::1/64)
#   published on the host: 8000->web:80, 5432->db:5432, 8081->app:8080
#   host listeners: 22 (stands for SSH) and 9999 (never published)

# One simulated host per suite file: harness_up in setup_file, harness_down in
# teardown_file, require_netns in setup. Loading this loads the other helpers.
load test_helper
load netns_helper

harness_up() {
	require_netns
	export NS_STATE="$BATS_FILE_TMPDIR" DFWT_ID="$$"
	build_docker_host
}

harness_down() { ns_teardown; }

declare -gA HOST_ADDR4=([ct]=192.0.2.1 [co]=203.0.113.1 [cu]=198.51.100.1)
declare -gA HOST_ADDR6=([ct]=2001:db8:2::1 [co]=2001:db8:113::1 [cu]=2001:db8:51::1)
declare -gA CONTAINER4=([web]=172.17.0.2 [db]=172.17.0.3 [app]=172.17.0.4)
declare -gA CONTAINER6=([web]=fd00:dead:beef::2 [db]=fd00:dead:beef::3 [app]=fd00:dead:beef::4)

# link_client NAME IFACE ADDR4 ADDR6 GW4 GW6: a client of the host "host".
link_client() { link_client_to host "$@"; }

# link_client_to HOST NAME IFACE ADDR4 ADDR6 GW4 GW6
link_client_to() {
	local host name=$2 iface=$3 a4=$4 a6=$5 gw4=$6 gw6=$7 client
	host=$(ns_name "$1")
	client=$(ns_name "$name")
	ns_add "$name"
	ip -n "$host" link add "$iface" type veth peer name eth0 netns "$client"
	ip -n "$host" addr add "$gw4/24" dev "$iface"
	ip -n "$host" addr add "$gw6/64" dev "$iface" nodad
	ip -n "$host" link set "$iface" up
	ip -n "$client" addr add "$a4/24" dev eth0
	ip -n "$client" addr add "$a6/64" dev eth0 nodad
	ip -n "$client" link set eth0 up
	ip -n "$client" route add default via "$gw4"
	ip -n "$client" -6 route add default via "$gw6"
}

link_container() {
	local name=$1 port=$2 host c
	host=$(ns_name host)
	c=$(ns_name "$name")
	ns_add "$name"
	ip -n "$host" link add "v-$name" type veth peer name eth0 netns "$c"
	ip -n "$host" link set "v-$name" master docker0 up
	ip -n "$c" addr add "${CONTAINER4[$name]}/16" dev eth0
	ip -n "$c" addr add "${CONTAINER6[$name]}/64" dev eth0 nodad
	ip -n "$c" link set eth0 up
	ip -n "$c" route add default via 172.17.0.1
	ip -n "$c" -6 route add default via fd00:dead:beef::1
	listen "$name" "$port"
}

# listen NS PORT: a TCP listener for both families that answers and closes.
listen() {
	ns_spawn "$1" socat "TCP6-LISTEN:$2,fork,reuseaddr,ipv6only=0" SYSTEM:'echo ok'
}

build_docker_host() {
	local host
	ns_add host
	host=$(ns_name host)
	in_ns host sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	ip -n "$host" link add docker0 type bridge
	ip -n "$host" addr add 172.17.0.1/16 dev docker0
	ip -n "$host" addr add fd00:dead:beef::1/64 dev docker0 nodad
	ip -n "$host" link set docker0 up
	link_client ct ext-t 192.0.2.10 2001:db8:2::10 192.0.2.1 2001:db8:2::1
	link_client co ext-o 203.0.113.30 2001:db8:113::30 203.0.113.1 2001:db8:113::1
	link_client cu ext-u 198.51.100.20 2001:db8:51::20 198.51.100.1 2001:db8:51::1
	link_container web 80
	link_container db 5432
	link_container app 8080
	listen host 22
	listen host 9999
	listen ct 7000 # lets containers prove they still reach the outside
	wait_listening
}

wait_listening() {
	local i
	for i in $(seq 1 50); do
		[ "$(in_ns host ss -Hltn 'sport = :22 or sport = :9999' | wc -l)" -ge 2 ] &&
			[ "$(in_ns app ss -Hltn 'sport = :8080' | wc -l)" -ge 1 ] && return 0
		sleep 0.1
	done
	echo "listeners did not come up" >&2
	return 1
}

# reset_firewall LAYOUT: an empty firewall, no sets, then Docker's rules (le27 | ge28).
reset_firewall() {
	local fam
	for fam in iptables ip6tables; do
		for table in filter nat raw mangle; do
			in_ns host "$fam" -t "$table" -F
			in_ns host "$fam" -t "$table" -X
		done
		in_ns host "$fam" -P FORWARD ACCEPT
	done
	in_ns host ipset destroy 2>/dev/null || true
	in_ns host iptables-restore "$FIXTURES/docker/$1.v4"
	in_ns host ip6tables-restore "$FIXTURES/docker/$1.v6"
	DOCKER_LAYOUT=$1
}

# What dockerd does when it restarts (as the real 20.10 was seen to do): it
# rebuilds its own chains and nat/raw rules, deletes its own FORWARD rules
# (its jump to DOCKER-USER included) and inserts them again at the top, so a
# jump another tool put first ends up below them; up to 28.2 it appends
# `-j RETURN` to DOCKER-USER when the chain has none. It never flushes
# DOCKER-USER or FILTERS, and never writes the mangle table.
docker_restart() {
	local fam save chain rule n
	for fam in 4 6; do
		save=iptables
		[ $fam = 6 ] && save=ip6tables
		for table in nat raw; do in_ns host "$save" -t "$table" -F; done
		mapfile -t forward < <(sed -n 's/^-A FORWARD //p' "$FIXTURES/docker/$DOCKER_LAYOUT.v$fam")
		for rule in "${forward[@]}"; do
			# shellcheck disable=SC2086 # a rule is words
			while in_ns host "$save" -D FORWARD $rule 2>/dev/null; do :; done
		done
		for chain in $(in_ns host "$save" -S | awk '$1 == "-N" && $2 ~ /^DOCKER/ && $2 != "DOCKER-USER" { print $2 }'); do
			in_ns host "$save" -F "$chain"
		done
		for chain in $(in_ns host "$save" -S | awk '$1 == "-N" && $2 ~ /^DOCKER/ && $2 != "DOCKER-USER" { print $2 }'); do
			in_ns host "$save" -X "$chain"
		done
		grep -v -e '^:DOCKER-USER' -e '^-A DOCKER-USER' -e '^-A FORWARD' "$FIXTURES/docker/$DOCKER_LAYOUT.v$fam" \
			>"$BATS_TEST_TMPDIR/docker-restart"
		in_ns host "${save}-restore" --noflush "$BATS_TEST_TMPDIR/docker-restart"
		n=1
		for rule in "${forward[@]}"; do
			# shellcheck disable=SC2086
			in_ns host "$save" -I FORWARD $n $rule
			n=$((n + 1))
		done
		if [ "$DOCKER_LAYOUT" = le27 ] && ! in_ns host "$save" -S DOCKER-USER | grep -qx -e '-A DOCKER-USER -j RETURN'; then
			in_ns host "$save" -A DOCKER-USER -j RETURN
		fi
	done
}

# apply CONFIG: dfwgen run inside the host, as root, reading the live ruleset itself.
apply() {
	local config=$1 fam
	mkdir -p "$BATS_TEST_TMPDIR/empty"
	in_ns host "$DFWGEN" ipsets -t "$TEMPLATES" -c "$config" -d "$BATS_TEST_TMPDIR/empty" >"$BATS_TEST_TMPDIR/sets"
	in_ns host ipset restore -f "$BATS_TEST_TMPDIR/sets"
	for fam in 4 6; do
		in_ns host "$DFWGEN" -$fam -t "$TEMPLATES" -c "$config" -d "$BATS_TEST_TMPDIR/empty" >"$BATS_TEST_TMPDIR/rules.v$fam"
		if [ $fam = 4 ]; then
			in_ns host iptables-restore --noflush "$BATS_TEST_TMPDIR/rules.v$fam"
		else
			in_ns host ip6tables-restore --noflush "$BATS_TEST_TMPDIR/rules.v$fam"
		fi
	done
}

# probe FROM ADDR PORT: open | refused | filtered (a bounded 1 s connect).
probe() {
	local from=$1 addr=$2 port=$3 err try
	[[ $addr == *:* ]] && addr="[$addr]"
	# A silent first attempt gets a second: on a fresh harness the first SYNs
	# to a container can be lost while IPv6 neighbours are resolved. A port
	# the rules close stays silent both times.
	for try in 1 2; do
		if err=$(in_ns "$from" timeout 3 socat -T1 -u /dev/null "TCP:$addr:$port,connect-timeout=1" 2>&1); then
			echo open
			return
		elif [[ $err == *"refused"* ]]; then
			echo refused
			return
		fi
	done
	echo filtered
}

# matrix 4|6: every client against the host's ports and the published ports,
# probed in parallel, one "client -> target = state" line each, sorted.
matrix() {
	local fam=$1 client target port addr out="$BATS_TEST_TMPDIR/matrix.$fam"
	rm -rf "$out"
	mkdir -p "$out"
	for client in ct co cu; do
		for target in ssh:22 unpublished:9999 web:8000 db:5432 app:8081; do
			port=${target#*:}
			if [ "$fam" = 4 ]; then addr=${HOST_ADDR4[$client]}; else addr=${HOST_ADDR6[$client]}; fi
			(echo "$client -> ${target%%:*} = $(probe "$client" "$addr" "$port")" >"$out/$client-${target%%:*}") &
		done
	done
	wait
	cat "$out"/* | sort
}

# counter CHAIN PATTERN [iptables|ip6tables [TABLE]]: packets of the first rule matching PATTERN.
counter() {
	in_ns host "${3:-iptables}" -t "${4:-filter}" -L "$1" -v -x -n | awk -v pat="$2" 'index($0, pat) { print $1; exit }'
}

# ---- dfwgen apply and status on the simulated host (CONF, STATE: the test's) ----

# setup() of the suites that apply: Docker's tables freshly loaded, no sets,
# an empty drop-in directory, a state directory of the test's own, and the
# trusted scenario as CONF.
apply_setup() {
	require_netns
	reset_firewall le27
	mkdir -p "$BATS_TEST_TMPDIR/empty"
	STATE="$BATS_TEST_TMPDIR/state"
	CONF="$FIXTURES/e2e/trusted.ini"
}

# dfw_apply [args...]: dfwgen apply inside the host namespace, on $CONF with no
# drop-ins, state in $STATE.
dfw_apply() {
	in_ns host "$DFWGEN" apply -t "$TEMPLATES" -c "$CONF" -d "$BATS_TEST_TMPDIR/empty" --state-dir "$STATE" "$@"
}

dfw_status() {
	in_ns host "$DFWGEN" status -t "$TEMPLATES" -c "$CONF" -d "$BATS_TEST_TMPDIR/empty" --state-dir "$STATE" "$@"
}

# The host's filter and mangle tables and sets, without counters, and without
# what ipset randomises on every swap (the hash seed, and so the order of members).
snapshot() {
	{
		in_ns host iptables-save -t filter
		in_ns host ip6tables-save -t filter
		in_ns host iptables-save -t mangle
		in_ns host ip6tables-save -t mangle
	} | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//'
	in_ns host ipset save | sed 's/ initval 0x[0-9a-f]*//' | sort
}
