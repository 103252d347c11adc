#include "setload.h"

#include "addr.h"
#include "host.h"
#include "members.h"

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/ipset/ip_set.h>
#include <linux/netfilter/nfnetlink.h>
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One message carries up to this much: ~1,300 IPv4 members, far below the
 * socket's send buffer. */
enum { BATCH_BYTES = 32768 };

struct member {
	char set[IPSET_MAXNAMELEN];
	struct addr a;
	int cmd; /* IPSET_CMD_ADD or IPSET_CMD_DEL */
};

/* "add SET MEMBER[ -exist]" or "del SET MEMBER[ -exist]" with a member dfwgen
 * writes; false for anything else. */
static bool parse_member(const char *line, size_t len, struct member *m)
{
	const char *end = line + len, *p = line + 4;
	if (len < 4 || (memcmp(line, "add ", 4) && memcmp(line, "del ", 4)))
		return false;
	m->cmd = line[0] == 'a' ? IPSET_CMD_ADD : IPSET_CMD_DEL;
	const char *name_end = memchr(p, ' ', (size_t)(end - p));
	if (!name_end || name_end == p || (size_t)(name_end - p) >= sizeof(m->set))
		return false;
	memcpy(m->set, p, (size_t)(name_end - p));
	m->set[name_end - p] = '\0';
	p = name_end + 1;
	const char *addr_end = memchr(p, ' ', (size_t)(end - p));
	if (!addr_end)
		addr_end = end;
	char text[ADDR_STRLEN];
	const char *why;
	if (addr_end == p || (size_t)(addr_end - p) >= sizeof(text))
		return false;
	memcpy(text, p, (size_t)(addr_end - p));
	text[addr_end - p] = '\0';
	if (!addr_parse(text, &m->a, &why))
		return false;
	return addr_end == end || ((size_t)(end - addr_end) == 7 && !memcmp(addr_end, " -exist", 7));
}

static struct nlmsghdr *start_batch(char *buf, const struct member *m, uint32_t seq)
{
	memset(buf, 0, BATCH_BYTES); /* libmnl leaves attribute padding as it finds it */
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NFNL_SUBSYS_IPSET << 8 | m->cmd;
	/* no NLM_F_EXCL: a member already there (or gone) is fine, as with -exist */
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	struct nfgenmsg *nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = m->a.family == FAM_V6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	mnl_attr_put_u8(nlh, IPSET_ATTR_PROTOCOL, IPSET_PROTOCOL);
	mnl_attr_put_strz(nlh, IPSET_ATTR_SETNAME, m->set);
	/* the kernel wants a line number with every batch, for its error replies */
	mnl_attr_put_u32(nlh, IPSET_ATTR_LINENO, 0);
	return nlh;
}

/* Appends one member; false when it does not fit (nothing half-written stays). */
static bool put_member(struct nlmsghdr *nlh, const struct member *m)
{
	struct nlattr *data = mnl_attr_nest_start_check(nlh, BATCH_BYTES, IPSET_ATTR_DATA);
	if (!data)
		return false;
	struct nlattr *ip = mnl_attr_nest_start_check(nlh, BATCH_BYTES, IPSET_ATTR_IP);
	bool v6 = m->a.family == FAM_V6;
	if (!ip || !mnl_attr_put_check(nlh, BATCH_BYTES, (v6 ? IPSET_ATTR_IPADDR_IPV6 : IPSET_ATTR_IPADDR_IPV4) |
				       NLA_F_NET_BYTEORDER, v6 ? 16 : 4, m->a.bytes)) {
		mnl_attr_nest_cancel(nlh, data);
		return false;
	}
	mnl_attr_nest_end(nlh, ip);
	if (!mnl_attr_put_u8_check(nlh, BATCH_BYTES, IPSET_ATTR_CIDR, (uint8_t)m->a.prefix)) {
		mnl_attr_nest_cancel(nlh, data);
		return false;
	}
	mnl_attr_nest_end(nlh, data);
	return true;
}

/* Sends one batch and waits for the kernel's answer to it. */
static bool send_batch(struct mnl_socket *nl, struct nlmsghdr *nlh, char *reply, size_t size)
{
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return false;
	unsigned portid = mnl_socket_get_portid(nl);
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, reply, size);
		if (n <= 0)
			return false;
		int ret = mnl_cb_run(reply, (size_t)n, nlh->nlmsg_seq, portid, NULL, NULL);
		if (ret <= MNL_CB_STOP) {
			fault_after_step();
			return ret == MNL_CB_STOP;
		}
	}
}

bool setload_run(const char *lines)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl)
		return false;
	int on = 1;
	/* acks without a copy of the batch they answer */
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &on, sizeof(on));
	char *buf = malloc(BATCH_BYTES), *reply = malloc(MNL_SOCKET_BUFFER_SIZE);
	bool ok = buf && reply && mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == 0;
	uint32_t seq = (uint32_t)time(NULL);
	struct nlmsghdr *nlh = NULL;
	struct nlattr *adt = NULL;
	struct member open = {0}; /* the set and family of the batch being filled */
	for (const char *line = lines; ok && *line;) {
		const char *nl_at = strchr(line, '\n');
		size_t len = nl_at ? (size_t)(nl_at - line) : strlen(line);
		const char *this = line;
		line += len + (nl_at != NULL);
		struct member m;
		if (len == 0)
			continue;
		if (!parse_member(this, len, &m)) {
			ok = false;
			break;
		}
		if (nlh && !strcmp(m.set, open.set) && m.a.family == open.a.family && m.cmd == open.cmd &&
		    put_member(nlh, &m))
			continue;
		if (nlh) { /* another set, or the batch is full */
			mnl_attr_nest_end(nlh, adt);
			if (!send_batch(nl, nlh, reply, MNL_SOCKET_BUFFER_SIZE)) {
				ok = false;
				break;
			}
		}
		open = m;
		nlh = start_batch(buf, &m, ++seq);
		adt = mnl_attr_nest_start(nlh, IPSET_ATTR_ADT);
		put_member(nlh, &m); /* the first of a batch always fits */
	}
	if (ok && nlh) {
		mnl_attr_nest_end(nlh, adt);
		ok = send_batch(nl, nlh, reply, MNL_SOCKET_BUFFER_SIZE);
	}
	free(buf);
	free(reply);
	mnl_socket_close(nl);
	return ok;
}

/* ---- reading a set ---- */

struct listing {
	struct set_members *out;
	size_t cap;
	bool bad;
};

static bool grow(struct listing *l)
{
	size_t cap = l->cap ? l->cap * 2 : 4096;
	struct addr *v = realloc(l->out->v, cap * sizeof(*v));
	if (!v)
		return false;
	l->out->v = v;
	l->cap = cap;
	return true;
}

/* Every attribute table here has room for any ipset attribute type. */
enum { ATTRS = 64 };

static int take_attr(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);
	if (type < ATTRS)
		tb[type] = attr;
	return MNL_CB_OK;
}

/* The attributes nested in `a`, walked with the kernel's own layout macros:
 * a million members come in one listing, and a library call per attribute
 * (or two 512-byte tables zeroed per member) was a quarter of reading it. */
#define EACH_NESTED(pos, a)                                                                                  \
	for (const struct nlattr *pos = (const struct nlattr *)((const char *)(a) + NLA_HDRLEN),                   \
				 *end_##pos = (const struct nlattr *)((const char *)(a) + (a)->nla_len);          \
	     (const char *)pos + NLA_HDRLEN <= (const char *)end_##pos && pos->nla_len >= NLA_HDRLEN &&            \
	     (const char *)pos + pos->nla_len <= (const char *)end_##pos;                                       \
	     pos = (const struct nlattr *)((const char *)pos + NLA_ALIGN(pos->nla_len)))

/* One IPSET_ATTR_DATA of the ADT list: an address and its prefix. */
static void take_member(struct listing *l, const struct nlattr *data, enum family f)
{
	size_t len = f == FAM_V6 ? 16 : 4;
	int want = f == FAM_V6 ? IPSET_ATTR_IPADDR_IPV6 : IPSET_ATTR_IPADDR_IPV4;
	struct addr m = {.family = f, .prefix = f == FAM_V6 ? 128 : 32};
	bool have_ip = false;
	EACH_NESTED(attr, data) {
		int type = attr->nla_type & NLA_TYPE_MASK;
		if (type == IPSET_ATTR_CIDR && attr->nla_len > NLA_HDRLEN) {
			m.prefix = *((const uint8_t *)attr + NLA_HDRLEN);
		} else if (type == IPSET_ATTR_IP) {
			EACH_NESTED(in, attr) {
				if ((in->nla_type & NLA_TYPE_MASK) == want && in->nla_len == NLA_HDRLEN + len) {
					memcpy(m.bytes, (const char *)in + NLA_HDRLEN, len);
					have_ip = true;
				}
			}
		}
	}
	if (!have_ip || m.prefix > addr_max_prefix(f) || (l->out->n == l->cap && !grow(l))) {
		l->bad = true;
		return;
	}
	l->out->v[l->out->n++] = m;
}

static int list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct listing *l = data;
	const struct nlattr *tb[ATTRS] = {0};
	mnl_attr_parse(nlh, sizeof(struct nfgenmsg), take_attr, tb);
	if (tb[IPSET_ATTR_TYPENAME]) {
		snprintf(l->out->type, sizeof(l->out->type), "%s", mnl_attr_get_str(tb[IPSET_ATTR_TYPENAME]));
		l->out->exists = true;
	}
	if (tb[IPSET_ATTR_FAMILY])
		l->out->family = mnl_attr_get_u8(tb[IPSET_ATTR_FAMILY]) == NFPROTO_IPV6 ? FAM_V6 : FAM_V4;
	if (tb[IPSET_ATTR_DATA]) {
		const struct nlattr *d[ATTRS] = {0};
		mnl_attr_parse_nested(tb[IPSET_ATTR_DATA], take_attr, d);
		if (d[IPSET_ATTR_MAXELEM])
			l->out->maxelem = be32toh(mnl_attr_get_u32(d[IPSET_ATTR_MAXELEM]));
		/* room for every member at once: a million are never copied while they come */
		if (d[IPSET_ATTR_ELEMENTS] && !l->cap) {
			l->cap = be32toh(mnl_attr_get_u32(d[IPSET_ATTR_ELEMENTS])) + 1;
			l->out->v = malloc(l->cap * sizeof(*l->out->v));
		}
	}
	if (tb[IPSET_ATTR_ADT]) {
		EACH_NESTED(m, tb[IPSET_ATTR_ADT])
			take_member(l, m, l->out->family);
	}
	return MNL_CB_OK;
}

bool setload_list(const char *name, struct set_members *out)
{
	memset(out, 0, sizeof(*out));
	char req[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = host_nl_dump_request(req, NFNL_SUBSYS_IPSET << 8 | IPSET_CMD_LIST, NFPROTO_IPV4);
	mnl_attr_put_u8(nlh, IPSET_ATTR_PROTOCOL, IPSET_PROTOCOL);
	mnl_attr_put_strz(nlh, IPSET_ATTR_SETNAME, name);
	struct listing l = {.out = out};
	/* the kernel fills messages as big as the reads: a million members in ~900 of them */
	int ret = host_nl_dump(nlh, MNL_SOCKET_BUFFER_SIZE * 4, list_cb, &l);
	bool ok = ret == MNL_CB_STOP && !l.bad;
	if (ret == MNL_CB_ERROR && errno == ENOENT) { /* a set that does not exist is an answer too */
		set_members_free(out);
		ok = true;
	} else if (ok) {
		size_t n4;
		out->n = members_sort_unique(out->v, out->n, &n4); /* 30 ms at a million, on the listing's thread */
	} else {
		set_members_free(out);
	}
	return ok;
}

void set_members_free(struct set_members *m)
{
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* ---- reading sets early ---- */

void set_listings_read(struct set_listings *sl, const char *const *names, size_t n)
{
	memset(sl, 0, sizeof(*sl));
	if (!n)
		return;
	sl->names = calloc(n, sizeof(*sl->names));
	sl->got = calloc(n, sizeof(*sl->got));
	sl->ok = calloc(n, sizeof(*sl->ok));
	sl->n = n;
	bool ok = sl->names && sl->got && sl->ok;
	for (size_t i = 0; ok && i < n; i++)
		ok = (sl->names[i] = strdup(names[i])) != NULL;
	if (!ok) {
		set_listings_free(sl);
		return;
	}
	for (size_t i = 0; i < n; i++)
		sl->ok[i] = setload_list(sl->names[i], &sl->got[i]);
}

bool set_listings_take(struct set_listings *sl, const char *name, struct set_members *out)
{
	if (!sl || !sl->n)
		return false;
	for (size_t i = 0; i < sl->n; i++) {
		if (sl->ok[i] && sl->names[i] && !strcmp(sl->names[i], name)) {
			*out = sl->got[i];
			memset(&sl->got[i], 0, sizeof(sl->got[i]));
			sl->ok[i] = false;
			return true;
		}
	}
	return false;
}

void set_listings_free(struct set_listings *sl)
{
	for (size_t i = 0; i < sl->n; i++) {
		if (sl->names)
			free(sl->names[i]);
		if (sl->got)
			set_members_free(&sl->got[i]);
	}
	free(sl->names);
	free(sl->got);
	free(sl->ok);
	memset(sl, 0, sizeof(*sl));
}
