# The real Docker daemon (Debian 12's docker.io) inside a test network
# namespace, with clients around it (../shared/reference/real-docker-in-netns.md
# has the facts this rests on).
#
#   ct  trusted client    192.0.2.10    2001:db8:2::10   --ext-t--+ host: containerd + dockerd,
#   cu  untrusted client  198.51.100.20 2001:db8:51::20  --ext-u--+ docker0 172.17.0.0/16,
#                                                                   fd00:d0c::/64
# Containers (busybox httpd, --restart always): web publishes 8000 -> 80,
# db publishes 5432 -> 5432. The host listens on 22 (stands for SSH).
#
# SAFETY: containerd starts through tests/real-docker/enter under `ip netns
# exec`, which refuses to run outside a dfwt-* namespace; dockerd starts in
# containerd's mount and network namespaces through ns-guard; afterwards each
# daemon's /proc/PID/ns/net is compared with the test namespace's and the
# daemon is killed at once if they differ. Teardown stops only what this file
# started, by PID and by its own cgroup.

load e2e_helper

DOCKER_BIN=/usr/bin/docker # /usr/local/bin/docker may be another client

# Which Docker host the functions below act on: the suffix of its namespace
# (ns_name). One host is "host"; the Swarm suite runs two, n1 and n2.
DK=${DK:-host}

# Skips (fails under CI=true) when the daemon cannot run here.
require_docker() {
	local why=""
	if ! command -v dockerd >/dev/null || ! command -v containerd >/dev/null || [ ! -x "$DOCKER_BIN" ]; then
		why="needs docker.io (./install.sh installs it)"
	elif [ ! -x /bin/busybox ]; then
		why="needs busybox-static (./install.sh installs it)"
	fi
	if [ -n "$why" ]; then
		[ "${CI:-}" = true ] && { echo "real-Docker tests cannot run: $why" >&2; return 1; }
		skip "$why"
	fi
}

dk_dir() { printf '%s' "$BATS_FILE_TMPDIR/docker-$DK"; }

# dk ARGS...: the docker client against the test daemon.
dk() { DOCKER_CONFIG="$(dk_dir)/cli" "$DOCKER_BIN" -H "unix://$(dk_dir)/docker.sock" "$@"; }

ns_inode() { stat -L -c 'net:[%i]' "/run/netns/$(ns_name "$1")"; }

# daemon_guard PID NAME: once PID runs NAME (nsenter and ns-guard exec into
# it; ns-guard has refused already if it was outside a test namespace), kills
# it at once unless it lives in the test's host namespace.
daemon_guard() {
	local pid=$1 name=$2 want have
	wait_for 50 bash -c "[ \"\$(basename \"\$(readlink /proc/$pid/exe)\")\" = $name ]"
	want=$(ns_inode "$DK")
	have=$(readlink "/proc/$pid/ns/net" 2>/dev/null) || return 0 # already gone
	if [ "$have" != "$want" ]; then
		kill -9 "$pid" 2>/dev/null
		echo "daemon_guard: PID $pid is in $have, not the test namespace $want: killed" >&2
		return 1
	fi
}

# The machine's cgroup hierarchies, to be mounted again inside the daemons'
# mount namespace ("fstype target options" per line).
cgroup_mounts() {
	awk '{ for (i = 7; i <= NF && $i != "-"; i++) ; if ($(i + 1) ~ /^cgroup2?$/) print $(i + 1), $5, $(i + 3) }' \
		/proc/self/mountinfo
}

start_containerd() {
	local dir ns
	dir=$(dk_dir)
	ns=$(ns_name "$DK")
	mkdir -p "$dir/containerd/root" "$dir/containerd/state" "$dir/containerd/opt" "$dir/cli"
	cgroup_mounts >"$dir/cgroup-mounts"
	cat >"$dir/containerd.toml" <<-EOF
		version = 2
		root = "$dir/containerd/root"
		state = "$dir/containerd/state"
		disabled_plugins = ["io.containerd.grpc.v1.cri"]
		[grpc]
		  address = "$dir/containerd.sock"
		[ttrpc]
		  address = "$dir/containerd.sock.ttrpc"
		[debug]
		  address = "$dir/containerd-debug.sock"
		[plugins."io.containerd.internal.v1.opt"]
		  path = "$dir/containerd/opt"
	EOF
	ip netns exec "$ns" "$BATS_TEST_DIRNAME/real-docker/enter" "$dir" \
		containerd --config "$dir/containerd.toml" >>"$dir/containerd.log" 2>&1 3>&- &
	local pid=$!
	echo "$pid" >"$dir/containerd.pid"
	echo "$pid" >>"$(ns_state)/pids"
	wait_for 50 test -S "$dir/containerd.sock" || { cat "$dir/containerd.log" >&2; return 1; }
	daemon_guard "$pid" containerd
}

# Starts dockerd in containerd's mount and network namespaces (runc must see
# dockerd's overlay mounts) and waits until its API answers.
start_dockerd() {
	local dir cpid
	dir=$(dk_dir)
	cpid=$(cat "$dir/containerd.pid")
	echo "{\"deprecated-key-path\": \"$dir/key.json\"}" >"$dir/daemon.json"
	rm -f "$dir/docker.pid"
	nsenter -t "$cpid" -m -n -- "$BATS_TEST_DIRNAME/ns-guard" dockerd --config-file "$dir/daemon.json" \
		--data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/docker.pid" \
		-H "unix://$dir/docker.sock" --containerd "$dir/containerd.sock" \
		--ipv6 --fixed-cidr-v6 fd00:d0c::/64 --experimental --ip6tables \
		--storage-driver overlay2 --cgroup-parent "/$(ns_name "cg-$DK")" >>"$dir/dockerd.log" 2>&1 3>&- &
	local pid=$!
	echo "$pid" >"$dir/dockerd.pid"
	echo "$pid" >>"$(ns_state)/pids"
	daemon_guard "$pid" dockerd
	wait_for 150 dk version || { tail -20 "$dir/dockerd.log" >&2; return 1; }
}

# Stops dockerd as systemd would (SIGTERM; it stops the containers) and waits.
stop_dockerd() {
	local pid
	pid=$(cat "$(dk_dir)/dockerd.pid")
	kill "$pid" 2>/dev/null || return 0
	wait_for 300 bash -c "! kill -0 $pid 2>/dev/null"
}

# wait_for TENTHS COMMAND...: polls every 0.1 s.
wait_for() {
	local n=$1 i
	shift
	for ((i = 0; i < n; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# A busybox image made from busybox-static (no registry here).
import_busybox() {
	local root
	root="$(dk_dir)/rootfs"
	mkdir -p "$root/bin" "$root/www"
	cp /bin/busybox "$root/bin/busybox"
	local a
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -sf busybox "$root/bin/$a"
	done
	echo ok >"$root/www/index.html"
	tar -C "$root" -c . | dk import - local/busybox >/dev/null
}

# run_web NAME HOSTPORT CPORT [docker run options...]: an httpd container.
run_web() {
	local name=$1 hport=$2 cport=$3
	shift 3
	dk run -d --init --restart always --name "$name" -p "$hport:$cport" "$@" \
		local/busybox httpd -f -p "$cport" -h /www >/dev/null
}

# Waits until the nat table DNATs each HOSTPORT again (containers are back).
wait_published() {
	local port
	for port in "$@"; do
		wait_for 200 bash -c "ip netns exec $(ns_name "$DK") $BATS_TEST_DIRNAME/ns-guard iptables -t nat -S DOCKER | grep -q -- '--dport $port -j DNAT'" ||
			return 1
		wait_for 200 bash -c "ip netns exec $(ns_name "$DK") $BATS_TEST_DIRNAME/ns-guard ip6tables -t nat -S DOCKER | grep -q -- '--dport $port -j DNAT'" ||
			return 1
	done
}

# wait_serving NAME PORT: until the container answers on PORT at its own
# IPv4 and IPv6 addresses, from the host (the DNAT rules come before that).
wait_serving() {
	local name=$1 port=$2 a4 a6
	a4=$(dk inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$name")
	a6=$(dk inspect -f '{{range .NetworkSettings.Networks}}{{.GlobalIPv6Address}}{{end}}' "$name")
	wait_for 150 in_ns "$DK" socat -u /dev/null "TCP:$a4:$port,connect-timeout=1" &&
		wait_for 150 in_ns "$DK" socat -u /dev/null "TCP:[$a6]:$port,connect-timeout=1"
}

docker_host_up() {
	require_netns
	require_docker
	export NS_STATE="$BATS_FILE_TMPDIR" DFWT_ID="$$"
	ns_add host
	local host
	host=$(ns_name host)
	link_client ct ext-t 192.0.2.10 2001:db8:2::10 192.0.2.1 2001:db8:2::1
	link_client cu ext-u 198.51.100.20 2001:db8:51::20 198.51.100.1 2001:db8:51::1
	listen host 22
	start_containerd
	start_dockerd
	import_busybox
	run_web web 8000 80
	run_web db 5432 5432
	wait_published 8000 5432
	wait_serving web 80
	wait_serving db 5432
}

# Removes the containers, stops both daemons by PID, then whatever is left in
# this run's cgroups, and deletes those cgroups and the namespaces.
docker_host_down() {
	docker_daemons_down
	ns_teardown
}

# The same for the daemons of host $DK only.
docker_daemons_down() {
	local dir pid cg
	dir=$(dk_dir)
	if [ -S "$dir/docker.sock" ] && dk version >/dev/null 2>&1; then
		dk rm -f $(dk ps -aq) >/dev/null 2>&1 || true
	fi
	for pid in $(cat "$dir/dockerd.pid" "$dir/containerd.pid" 2>/dev/null); do
		kill "$pid" 2>/dev/null || true
		wait_for 100 bash -c "! kill -0 $pid 2>/dev/null" || kill -9 "$pid" 2>/dev/null || true
	done
	for cg in /sys/fs/cgroup/*/"$(ns_name "cg-$DK")" /sys/fs/cgroup/"$(ns_name "cg-$DK")"; do
		[ -d "$cg" ] || continue
		find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null | while read -r pid; do
			kill -9 "$pid" 2>/dev/null || true
		done
	done
	sleep 0.2
	for cg in /sys/fs/cgroup/*/"$(ns_name "cg-$DK")" /sys/fs/cgroup/"$(ns_name "cg-$DK")"; do
		[ -d "$cg" ] && find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	return 0
}

# real_dfw COMMAND CONFIG [options...]: `dfwgen apply|status` inside host $DK,
# with a state directory of that host's own and no drop-ins.
real_dfw() {
	local command=$1 config=$2
	shift 2
	mkdir -p "$BATS_FILE_TMPDIR/no-dropins" "$BATS_FILE_TMPDIR/state-$DK"
	in_ns "$DK" "$DFWGEN" "$command" -t "$TEMPLATES" -c "$config" -d "$BATS_FILE_TMPDIR/no-dropins" \
		--state-dir "$BATS_FILE_TMPDIR/state-$DK" "$@"
}

real_apply() { real_dfw apply "$@"; }
real_status() { real_dfw status "$@"; }

# real_matrix 4|6: ct and cu against ssh (22) and the published web (8000)
# and db (5432), one "client -> target = state" line each, sorted.
real_matrix() {
	local fam=$1 client target addr out="$BATS_TEST_TMPDIR/matrix.$fam"
	rm -rf "$out"
	mkdir -p "$out"
	for client in ct cu; do
		for target in ssh:22 web:8000 db:5432; do
			if [ "$fam" = 4 ]; then addr=${HOST_ADDR4[$client]}; else addr=${HOST_ADDR6[$client]}; fi
			(echo "$client -> ${target%%:*} = $(probe "$client" "$addr" "${target#*:}")" >"$out/$client-${target%%:*}") &
		done
	done
	wait
	cat "$out"/* | sort
}
