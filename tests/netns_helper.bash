# Network namespaces for tests that load rules into a real kernel.
#
# SAFETY: every iptables, ipset, sysctl and link command runs through in_ns,
# which refuses to act unless the command's process is inside a namespace this
# suite created (named dfwt-*). The machine's own namespace is never touched.
# Namespaces have no link to the outside and are deleted in teardown.

# Skips (or fails under CI=true) when namespaces cannot be used here.
require_netns() {
	local why=""
	if [ "$(id -u)" -ne 0 ]; then
		why="needs root for network namespaces"
	elif ! command -v ip >/dev/null || ! command -v iptables-restore >/dev/null || ! command -v ipset >/dev/null; then
		why="needs iproute2, iptables and ipset (./install.sh installs them)"
	elif ! ip netns add "dfwt-$$-probe" 2>/dev/null; then
		why="cannot create network namespaces here"
	else
		ip netns del "dfwt-$$-probe"
	fi
	if [ -n "$why" ]; then
		if [ "${CI:-}" = true ]; then
			echo "network-namespace tests cannot run: $why" >&2
			return 1
		fi
		skip "$why"
	fi
}

# Where the namespaces and PIDs to clean up are listed: per test, or per file
# when setup_file builds a topology once (it sets NS_STATE and DFWT_ID).
ns_state() { printf '%s' "${NS_STATE:-$BATS_TEST_TMPDIR}"; }

# ns_name SUFFIX: a name unique to this test run.
ns_name() { printf 'dfwt-%s-%s' "${DFWT_ID:-$$}" "$1"; }

ns_add() {
	local ns
	ns=$(ns_name "$1")
	ip netns add "$ns"
	echo "$ns" >>"$(ns_state)/namespaces"
	ip -n "$ns" link set lo up
}

# in_ns SUFFIX COMMAND...: runs COMMAND inside the test namespace, through the guard.
in_ns() {
	local ns
	ns=$(ns_name "$1")
	shift
	ip netns exec "$ns" "$BATS_TEST_DIRNAME/ns-guard" "$@"
}

# Kills what the test started (by PID) and deletes its namespaces, also after
# a failure; waits until those processes are really gone.
ns_teardown() {
	local pid ns state pids=()
	state=$(ns_state)
	if [ -f "$state/pids" ]; then
		while read -r pid; do pids+=("$pid"); done <"$state/pids"
		rm -f "$state/pids"
	fi
	if [ -f "$state/namespaces" ]; then
		while read -r ns; do
			for pid in $(ip netns pids "$ns" 2>/dev/null); do pids+=("$pid"); done
		done <"$state/namespaces"
	fi
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	for _ in $(seq 1 50); do
		local alive=0
		for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
		[ $alive = 0 ] && break
		sleep 0.1
	done
	if [ -f "$state/namespaces" ]; then
		while read -r ns; do ip netns del "$ns" 2>/dev/null || true; done <"$state/namespaces"
		rm -f "$state/namespaces"
	fi
}

# Starts a background process inside a namespace and remembers its PID.
ns_spawn() {
	local suffix=$1
	shift
	in_ns "$suffix" "$@" >/dev/null 2>&1 3>&- &
	echo $! >>"$(ns_state)/pids"
}
