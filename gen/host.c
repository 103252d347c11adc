#include "host.h"

#include "util.h"

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/ipset/ip_set.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef DFW_FAULTS
bool fault_wanted(const char *step)
{
	const char *f = getenv("DFWGEN_FAULT");
	return f && !strcmp(f, step);
}

void fault_point(const char *step)
{
	if (fault_wanted(step))
		kill(getpid(), SIGKILL);
}

/* run:N kills, hup:N, int:N and term:N send that signal, after the Nth
 * step with the host. */
void fault_after_step(void)
{
	static long count;
	static const struct {
		const char *name;
		int sig;
	} kinds[] = {{"run:", SIGKILL}, {"hup:", SIGHUP}, {"int:", SIGINT}, {"term:", SIGTERM}};
	const char *f = getenv("DFWGEN_FAULT");
	for (size_t i = 0; f && i < sizeof(kinds) / sizeof(*kinds); i++) {
		size_t n = strlen(kinds[i].name);
		if (!strncmp(f, kinds[i].name, n) && ++count == atol(f + n))
			kill(getpid(), kinds[i].sig);
	}
}
#endif

struct cmd_result host_run(const char *const *argv, const char *input)
{
	struct cmd_result res = {.status = 127};
	int in[2], out[2], err[2];
	if (pipe(in) || pipe(out) || pipe(err)) {
		res.err = xasprintf("pipe: %s", strerror(errno));
		return res;
	}
	pid_t pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		for (int fd = 3; fd < 64; fd++)
			close(fd);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "cannot run %s: %s", argv[0], strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	struct strbuf o = {0}, e = {0};
	size_t sent = 0, len = input ? strlen(input) : 0;
	if (pid < 0 || !len)
		close(in[1]);
	signal(SIGPIPE, SIG_IGN);
	struct pollfd pf[3] = {{.fd = out[0], .events = POLLIN}, {.fd = err[0], .events = POLLIN},
			       {.fd = pid > 0 && len ? in[1] : -1, .events = POLLOUT}};
	while (pid > 0 && (pf[0].fd >= 0 || pf[1].fd >= 0)) {
		if (poll(pf, 3, -1) < 0 && errno != EINTR)
			break;
		char buf[65536];
		for (int i = 0; i < 2; i++) {
			if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t n = read(pf[i].fd, buf, sizeof(buf));
			if (n > 0)
				sb_addn(i ? &e : &o, buf, (size_t)n);
			else {
				close(pf[i].fd);
				pf[i].fd = -1;
			}
		}
		if (pf[2].fd >= 0 && (pf[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t n = write(pf[2].fd, input + sent, len - sent);
			if (n > 0)
				sent += (size_t)n;
			if (n <= 0 || sent == len) {
				close(pf[2].fd);
				pf[2].fd = -1;
			}
		}
	}
	for (int i = 0; i < 3; i++) {
		if (pf[i].fd >= 0)
			close(pf[i].fd);
	}
	int st;
	if (pid > 0 && waitpid(pid, &st, 0) == pid)
		res.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	res.out = sb_steal(&o);
	res.err = sb_steal(&e);
	fault_after_step();
	return res;
}

void cmd_result_free(struct cmd_result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

void host_tool(char *buf, size_t size, const char *backend, enum family f, const char *verb)
{
	snprintf(buf, size, "%s-%s-%s", f == FAM_V6 ? "ip6tables" : "iptables", backend, verb);
}

/* Reading the legacy tables loads ip_tables and creates them, which makes
 * every later iptables-nft call warn: only look when the kernel has them. */
bool host_legacy_tables_exist(void)
{
	FILE *f = fopen("/proc/net/ip_tables_names", "r");
	char line[64];
	bool filter = false;
	while (f && fgets(line, sizeof(line), f))
		filter |= !strncmp(line, "filter", 6);
	if (f)
		fclose(f);
	return filter;
}

struct nlmsghdr *host_nl_dump_request(char *buf, uint16_t type, uint8_t family)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = 1;
	struct nfgenmsg *nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = family;
	nfg->version = NFNETLINK_V0;
	return nlh;
}

int host_nl_dump(const struct nlmsghdr *req, size_t bufsize, int (*cb)(const struct nlmsghdr *nlh, void *data),
		 void *data)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	char *buf = xmalloc(bufsize);
	int ret = nl && mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == 0 &&
			  mnl_socket_sendto(nl, req, req->nlmsg_len) >= 0 ? MNL_CB_OK : MNL_CB_ERROR;
	unsigned portid = nl ? mnl_socket_get_portid(nl) : 0;
	while (ret > MNL_CB_STOP) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, bufsize);
		ret = n <= 0 ? MNL_CB_ERROR : mnl_cb_run(buf, (size_t)n, req->nlmsg_seq, portid, cb, data);
	}
	int e = errno;
	free(buf);
	if (nl)
		mnl_socket_close(nl);
	errno = e;
	return ret;
}

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr;
	const char *table = NULL, *name = NULL;
	mnl_attr_for_each(attr, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(attr) == NFTA_CHAIN_TABLE && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			table = mnl_attr_get_str(attr);
		else if (mnl_attr_get_type(attr) == NFTA_CHAIN_NAME &&
			 mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			name = mnl_attr_get_str(attr);
	}
	if (table && name && !strcmp(table, "filter") && !strncmp(name, "DOCKER", 6))
		*(bool *)data = true;
	return MNL_CB_OK;
}

/* Whether nf_tables' IPv4 filter table holds a DOCKER chain: what
 * `iptables-nft-save -t filter` shows, asked over netlink (the tool reads
 * the whole ruleset first: 25 ms of every apply and status). */
static bool nft_dump_has_docker(bool *interrupted)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	bool found = false;
	int ret = host_nl_dump(host_nl_dump_request(buf, NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETCHAIN, NFPROTO_IPV4),
			       MNL_SOCKET_BUFFER_SIZE, chain_cb, &found);
	*interrupted = ret == MNL_CB_ERROR && errno == EINTR; /* the ruleset changed during the dump */
	fault_after_step();
	return found;
}

static bool nft_holds_docker(void)
{
	bool interrupted = true, found = false;
	for (int attempt = 0; attempt < 3 && interrupted && !found; attempt++)
		found = nft_dump_has_docker(&interrupted);
	return found;
}

static bool holds_docker(const char *backend)
{
	if (!strcmp(backend, "nft"))
		return nft_holds_docker();
	if (!strcmp(backend, "legacy") && !host_legacy_tables_exist())
		return false;
	char tool[64];
	host_tool(tool, sizeof(tool), backend, FAM_V4, "save");
	const char *argv[] = {tool, "-t", "filter", NULL};
	struct cmd_result r = host_run(argv, NULL);
	bool found = r.status == 0 && strstr(r.out, ":DOCKER");
	cmd_result_free(&r);
	return found;
}

const char *host_backend(const char *forced)
{
	if (forced)
		return forced;
	/* never mix flavours: follow the one Docker wrote its chains with */
	bool nft = holds_docker("nft"), legacy = holds_docker("legacy");
	if (nft != legacy)
		return nft ? "nft" : "legacy";
	const char *argv[] = {"iptables", "-V", NULL};
	struct cmd_result r = host_run(argv, NULL);
	const char *b = r.out && strstr(r.out, "legacy") ? "legacy" : "nft";
	cmd_result_free(&r);
	return b;
}

int host_lock(int dir_fd, const char *state_dir, int seconds, char *err, size_t errsize)
{
	int fd = openat(dir_fd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errsize, "cannot open %s/lock: %s", state_dir, strerror(errno));
		return -1;
	}
	bool locked = flock(fd, LOCK_EX | LOCK_NB) == 0;
	if (!locked && errno == EWOULDBLOCK) {
		/* never a silent wait: a second apply behind a --confirm waits minutes */
		fprintf(stderr, "dfwgen: waiting for %s/lock: another dfwgen apply holds it (one waiting for "
			"confirmation, or loading)%s\n", state_dir, seconds ? "" : "; Ctrl-C gives up, changing nothing");
		if (!seconds)
			locked = flock(fd, LOCK_EX) == 0;
		for (int tenth = 0; seconds && !locked && tenth < seconds * 10; tenth++) {
			usleep(100000);
			locked = flock(fd, LOCK_EX | LOCK_NB) == 0;
			if (!locked && errno != EWOULDBLOCK)
				break;
		}
	}
	if (!locked) {
		if (errno == EWOULDBLOCK || errno == 0)
			snprintf(err, errsize, "another dfwgen apply holds %s/lock (one waiting for confirmation?): "
				 "gave up after %d seconds, nothing changed", state_dir, seconds);
		else
			snprintf(err, errsize, "cannot lock %s/lock: %s", state_dir, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int set_name_cb(const struct nlmsghdr *nlh, void *data)
{
	struct set_names *out = data;
	const struct nlattr *attr;
	mnl_attr_for_each(attr, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(attr) == IPSET_ATTR_SETNAME && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0 &&
		    !set_names_has(out, mnl_attr_get_str(attr)))
			VEC_PUSH(out->v, out->n, out->cap, xstrdup(mnl_attr_get_str(attr)));
	}
	return MNL_CB_OK;
}

/* `ipset list -n` over netlink: an apply asks three times, and each run of
 * the tool cost 5-7 ms. */
void host_set_names(struct set_names *out)
{
	memset(out, 0, sizeof(*out));
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *req = host_nl_dump_request(buf, NFNL_SUBSYS_IPSET << 8 | IPSET_CMD_LIST, NFPROTO_IPV4);
	mnl_attr_put_u8(req, IPSET_ATTR_PROTOCOL, IPSET_PROTOCOL);
	mnl_attr_put_u32(req, IPSET_ATTR_FLAGS, htobe32(IPSET_FLAG_LIST_SETNAME));
	host_nl_dump(req, sizeof(buf), set_name_cb, out);
	fault_after_step();
}

bool set_name_is_dfw(const char *name, bool *twin)
{
	size_t len = strlen(name);
	bool is_twin = len > 2 && !strcmp(name + len - 2, ".n");
	if (twin)
		*twin = is_twin;
	return !strncmp(name, "dfw-", 4) && !is_twin;
}

bool set_names_has(const struct set_names *l, const char *name)
{
	for (size_t i = 0; l && i < l->n; i++) {
		if (!strcmp(l->v[i], name))
			return true;
	}
	return false;
}

void set_names_free(struct set_names *l)
{
	free_list(l->v, l->n);
	memset(l, 0, sizeof(*l));
}
