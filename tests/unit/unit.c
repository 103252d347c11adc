/* Unit tests of the pure modules: addresses and ports, the catalogue, the
 * rule model and its keys, a set's entries, config items, shadowing. Linked
 * against gen/'s objects but main.o; ends in one line "unit: N passed, N
 * failed" (tests/unit.bats reads it). Each check names itself on failure. */
#include "addrlist.h"
#include "check.h"
#include "members.h"
#include "config.h"
#include "fwstate.h"
#include "iptcat.h"
#include "rule.h"
#include "ruleset.h"
#include "ini.h"
#include "policy.h"
#include "sets.h"
#include "shadow.h"
#include "state.h"

#include <arpa/inet.h>
#include <fcntl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int passed, failed;

#define CHECK(cond) check((cond), #cond, __FILE__, __LINE__)

static void check(bool ok, const char *what, const char *file, int line)
{
	if (ok) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL %s:%d: %s\n", file, line, what);
}

/* ---- addresses and ports ---- */

static bool formats_as(const char *in, const char *want)
{
	struct addr a;
	const char *why;
	char buf[ADDR_STRLEN];
	if (!addr_parse(in, &a, &why))
		return false;
	addr_format(&a, buf, true);
	return !strcmp(buf, want);
}

static bool refused(const char *in)
{
	struct addr a;
	const char *why = NULL;
	return !addr_parse(in, &a, &why) && why && *why;
}

static enum addr_form masked_form(const char *in, const char *want)
{
	struct addr a;
	enum addr_form form = ADDR_EXACT;
	const char *why;
	char buf[ADDR_STRLEN];
	if (!addr_parse_masked(in, &a, &form, &why))
		return (enum addr_form)-1;
	addr_format(&a, buf, true);
	return strcmp(buf, want) ? (enum addr_form)-2 : form;
}

static void test_addr(void)
{
	CHECK(formats_as("192.0.2.7", "192.0.2.7/32"));
	CHECK(formats_as("10.0.0.0/8", "10.0.0.0/8"));
	CHECK(formats_as("2001:DB8::1", "2001:db8::1/128"));
	CHECK(formats_as("2001:db8::/32", "2001:db8::/32"));
	CHECK(refused("10.0.0.1/8"));      /* host bits */
	CHECK(refused("10.0.0.0/33"));
	CHECK(refused("300.0.0.1"));
	CHECK(refused(""));
	CHECK(refused("10.0.0.0/"));
	CHECK(masked_form("10.0.0.1/8", "10.0.0.0/8") == ADDR_MASKED);
	CHECK(masked_form("10.0.0.0/255.0.0.0", "10.0.0.0/8") == ADDR_EXACT);
	CHECK(masked_form("10.0.0.010", "10.0.0.8/32") == ADDR_ATON);
	CHECK(masked_form("10.0.0.0/255.0.255.0", "10.0.0.0/32") == ADDR_ODD_MASK);

	struct addr net, host, other;
	const char *why;
	CHECK(addr_parse("192.0.2.0/24", &net, &why) && addr_parse("192.0.2.9", &host, &why));
	CHECK(addr_contains(&net, &host) && !addr_contains(&host, &net));
	CHECK(addr_parse("2001:db8::9", &other, &why) && !addr_contains(&net, &other));
	CHECK(addr_in_any(&host, &net, 1));

	struct port_range p;
	char buf[16];
	CHECK(port_parse("22", '-', false, &p, &why) && p.lo == 22 && p.hi == 22);
	CHECK(port_parse("8000-8010", '-', false, &p, &why) && p.lo == 8000 && p.hi == 8010);
	port_format(&p, ':', buf, sizeof(buf));
	CHECK(!strcmp(buf, "8000:8010"));
	CHECK(!port_parse("0", '-', false, &p, &why));
	CHECK(port_parse("0", ':', true, &p, &why));
	CHECK(!port_parse("9-1", '-', false, &p, &why));
	CHECK(!port_parse("65536", '-', false, &p, &why));
	CHECK(!port_parse("22 ", '-', false, &p, &why));
}

/* ---- the catalogue ---- */

static void test_catalogue(void)
{
	CHECK(valid_chain_name("DOCKER-USER") && !valid_chain_name("ACCEPT") && !valid_chain_name("-X"));
	CHECK(!valid_chain_name("A-NAME-LONGER-THAN-28-CHARACTERS"));
	CHECK(valid_iface_name("eth0") && valid_iface_name("br-+") && !valid_iface_name("a+b"));
	CHECK(!valid_iface_name("an-interface-name-too-long"));
	CHECK(valid_rate("5/minute") && valid_rate("10/s") && !valid_rate("5/fortnight") && !valid_rate("0/s"));
	CHECK(!strcmp(proto_name("TCP"), "tcp") && !strcmp(proto_name("6"), "tcp") && !strcmp(proto_name("ALL"), "all"));
	CHECK(valid_proto("ospf") && valid_proto("253") && !valid_proto("nosuchproto"));
	const struct ext_def *mp = find_match("multiport");
	CHECK(mp && ext_option(mp, "--dport") && !strcmp(ext_option(mp, "--dport")->name, "--dports"));
	CHECK(ext_option(find_match("tcp"), "--destination-port") != NULL);
	CHECK(ext_option(mp, "--nosuch") == NULL);
	CHECK(implicit_match("sctp") == find_match("udp") && implicit_match("icmpv6") == find_match("icmp6"));
	CHECK(find_target("DROP") && find_target("DROP")->terminal && !find_target("LOG")->terminal);
	CHECK(is_other_target("TPROXY") && !is_other_target("DOCKER"));
	const struct base_def *b = base_option_long("--sou", true);
	CHECK(b && b->id == BASE_SRC);
	CHECK(base_option_long("--d", true) == NULL); /* --destination, --delete, ... */
	CHECK(chain_is_builtin("mangle", "POSTROUTING") && !chain_is_builtin("raw", "INPUT") && !table_known("nosuch"));
}

/* ---- the rule model ---- */

struct parsed {
	struct source *src;
	struct ruleset *rs;
	struct diags d;
};

static void parse_text(struct parsed *p, const char *text)
{
	memset(p, 0, sizeof(*p));
	p->src = source_from_text("<unit>", strdup(text), strlen(text));
	p->rs = ruleset_parse(p->src, FAM_NONE, &p->d);
}

static void parsed_free(struct parsed *p)
{
	ruleset_free(p->rs);
	source_free(p->src);
	diags_free(&p->d);
}

static bool has_diag(const struct diags *d, const char *id, int line)
{
	for (size_t i = 0; i < d->n; i++) {
		if (!strcmp(d->v[i].id, id) && d->v[i].loc.line == line)
			return true;
	}
	return false;
}

/* Whether two rule lines (in one *filter table) have the same key. */
static bool same_key(const char *a, const char *b)
{
	char *text;
	if (asprintf(&text, "*filter\n%s\n%s\nCOMMIT\n", a, b) < 0)
		return false;
	struct parsed p;
	parse_text(&p, text);
	free(text);
	bool same = false;
	if (p.d.errors == 0 && p.rs->n == 1 && p.rs->tables[0].n == 2) {
		char *ka = rule_key(&p.rs->tables[0].rules[0]), *kb = rule_key(&p.rs->tables[0].rules[1]);
		same = !strcmp(ka, kb);
		free(ka);
		free(kb);
	}
	parsed_free(&p);
	return same;
}

static void test_rules(void)
{
	struct parsed p;
	parse_text(&p, "*filter\n:FILTERS - [0:0]\n-A FILTERS -s 10.0.0.0/8 -p tcp -m tcp --dport 22 "
		       "-m comment --comment \"ssh in\" -j ACCEPT\nCOMMIT\n");
	CHECK(p.d.errors == 0 && p.rs->n == 1 && p.rs->tables[0].n == 2);
	const struct rule *r = &p.rs->tables[0].rules[1];
	CHECK(r->cmd == CMD_APPEND && !strcmp(r->chain, "FILTERS") && !strcmp(r->target, "ACCEPT") && r->terminal);
	CHECK(r->has_src && r->src.prefix == 8 && !strcmp(r->proto, "tcp"));
	CHECK(!strcmp(rule_arg(r, rule_option(r, "tcp", "--dport"), 0), "22"));
	CHECK(!strcmp(rule_arg(r, rule_option(r, NULL, "--comment"), 0), "ssh in"));
	CHECK(rule_has_module(r, "comment") && !rule_has_module(r, "conntrack"));
	CHECK(rule_tok_loc(r, r->target_tok).col == (int)strlen("-A FILTERS -s 10.0.0.0/8 -p tcp -m tcp --dport 22 "
		"-m comment --comment \"ssh in\" -j ") + 1);
	CHECK(p.rs->family == FAM_V4);
	parsed_free(&p);

	/* the same packets the same way, however written */
	CHECK(same_key("-A INPUT -p TCP -m multiport --dport 80,443 -j ACCEPT",
		       "-A INPUT -p tcp -m multiport --dports 80,443 -j ACCEPT"));
	CHECK(same_key("-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
		       "-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT"));
	CHECK(same_key("-A INPUT -m limit --limit 5/min -j LOG", "-A INPUT -m limit --limit 5/minute -j LOG"));
	CHECK(same_key("-A INPUT -s 10.0.0.1 -j DROP", "-A INPUT -s 10.0.0.1/32 -j DROP"));
	CHECK(!same_key("-A INPUT -s 10.0.0.1 -j DROP", "-A INPUT ! -s 10.0.0.1 -j DROP"));
	CHECK(!same_key("-A INPUT -p tcp --dport 22 -j DROP", "-A INPUT -p tcp --dport 23 -j DROP"));

	/* findings, located */
	parse_text(&p, "*filter\n-A INPUT -s 10.0.0.300 -j ACCEPT\n-A INPUT -p tcp --dport 99999 -j DROP\n"
		       "-A INPUT -m tcp --dport 22 -j DROP\n-A INPUT -j\nCOMMIT\n-A INPUT -j DROP\n");
	CHECK(has_diag(&p.d, "bad-address", 2));
	CHECK(has_diag(&p.d, "bad-port", 3));
	CHECK(has_diag(&p.d, "match-needs-protocol", 4));
	CHECK(has_diag(&p.d, "missing-argument", 5));
	CHECK(has_diag(&p.d, "outside-table", 7));
	parsed_free(&p);

	/* the family: a header, else ICMPv6, else the first address */
	parse_text(&p, "# Generated by ip6tables-save v1.8.9\n*filter\n-A INPUT -j ACCEPT\nCOMMIT\n");
	CHECK(p.rs->family == FAM_V6);
	parsed_free(&p);
	parse_text(&p, "*filter\n-A INPUT -p ipv6-icmp -j ACCEPT\n-A INPUT -s 10.0.0.1 -j DROP\nCOMMIT\n");
	CHECK(p.rs->family == FAM_V6 && has_diag(&p.d, "wrong-family", 3));
	parsed_free(&p);
}

/* ---- the state a file leaves, and shadowing ---- */

static void test_state_and_shadow(void)
{
	struct parsed p;
	parse_text(&p, "*filter\n:C - [0:0]\n-A C -s 10.0.0.0/8 -j ACCEPT\n-A C -s 10.1.0.0/16 -j DROP\n"
		       "-A C -p tcp --dport 22 -j ACCEPT\n-A C -p tcp --dport 22 -j ACCEPT\n-A C -s 192.0.2.0/24 -j DROP\n"
		       "-D C -s 192.0.2.0/24 -j DROP\n-A C -j NOWHERE\nCOMMIT\n");
	struct fw_state st = {0};
	state_apply(&st, p.rs, false, &p.d);
	struct chain_state *c = state_chain(&st, "filter", "C");
	CHECK(c && c->n == 5); /* the -D took one out */
	CHECK(!has_diag(&p.d, "undeclared-chain", 9)); /* a jump to no chain is the checks' */
	shadow_check(p.rs, &st, &p.d);
	CHECK(has_diag(&p.d, "shadowed-rule", 4)); /* 10.1/16 lies in 10/8, accepted above */
	CHECK(has_diag(&p.d, "duplicate-rule", 6));
	CHECK(!has_diag(&p.d, "shadowed-rule", 5));
	state_free(&st);
	/* check_run makes the state itself, and checks the jumps in it */
	struct check_opts co = {.host_chain = "FILTERS", .container_chain = "DOCKER-USER"};
	struct fw_state fresh = {0};
	check_run(p.rs, &fresh, &co, &p.d);
	CHECK(has_diag(&p.d, "undeclared-chain", 9));
	state_free(&fresh);
	parsed_free(&p);

	/* what cannot be modelled never counts as covering */
	parse_text(&p, "*filter\n:C - [0:0]\n-A C -m nosuchmatch --x y -j ACCEPT\n-A C -s 10.0.0.1 -j DROP\nCOMMIT\n");
	st = (struct fw_state){0};
	state_apply(&st, p.rs, false, &p.d);
	shadow_check(p.rs, &st, &p.d);
	CHECK(!has_diag(&p.d, "shadowed-rule", 4));
	state_free(&st);
	parsed_free(&p);
}

/* ---- a set's entries, config items ---- */

static void test_entries(void)
{
	const char *in[] = {"2001:db8::2", "10.0.0.2", "10.0.0.1", "2001:db8::1", "10.0.0.2", "192.0.2.0/24",
			    "2001:db8::1", "10.0.0.0/8"};
	const char *want[] = {"10.0.0.0/8", "10.0.0.1/32", "10.0.0.2/32", "192.0.2.0/24", "2001:db8::1/128",
			      "2001:db8::2/128"};
	struct ipset_def set = {.name = "t"};
	const char *why;
	set.entries = calloc(8, sizeof(*set.entries));
	for (size_t i = 0; i < 8; i++)
		CHECK(addr_parse(in[i], &set.entries[set.nentries++], &why));
	set_sort_unique(&set);
	CHECK(set.nentries == 6 && set.count[0] == 4 && set.count[1] == 2);
	for (size_t i = 0; i < set.nentries && i < 6; i++) {
		char buf[ADDR_STRLEN];
		addr_format(&set.entries[i], buf, true);
		CHECK(!strcmp(buf, want[i]));
	}
	struct addr all, host;
	CHECK(addr_parse("0.0.0.0/0", &all, &why) && !set_entry_fits(&set, &all));
	set.type = SET_HASH_IP;
	CHECK(!set_entry_fits(&set, &set.entries[0]) && addr_parse("10.9.9.9", &host, &why) &&
	      set_entry_fits(&set, &host));
	free(set.entries);

	const char *text = "allow = a, 10.0.0.1 ,,b";
	struct source *src = source_from_text("<unit>", strdup(text), strlen(text));
	struct cvalue v = {.text = (char *)text + 8, .loc = loc_span(src, 1, 9, (int)strlen(text) - 8)};
	struct items it;
	struct diags d = {0};
	items_split(&v, &it, &d);
	CHECK(it.n == 3 && !strcmp(it.v[1].text, "10.0.0.1") && it.v[1].loc.col == 12 && it.v[2].loc.col == 23);
	CHECK(d.errors == 1 && !strcmp(d.v[0].id, "empty-item") && d.v[0].loc.col == 22);
	items_free(&it);
	diags_free(&d);
	source_free(src);
}

/* dfwgen's ipset file read back as typed blocks, and written again */
static void test_set_blocks(void)
{
	const char *text = "# [set a], IPv4: 2 entries\n"
		"create dfw-a-4 hash:net family inet hashsize 1024 maxelem 65536 -exist\n"
		"create dfw-a-4.n hash:net family inet hashsize 1024 maxelem 65536 -exist\n"
		"flush dfw-a-4.n\nadd dfw-a-4.n 10.0.0.1 -exist\nadd dfw-a-4.n 192.0.2.0/24 -exist\n"
		"swap dfw-a-4.n dfw-a-4\ndestroy dfw-a-4.n\n"
		"# [set b], IPv6: 0 entries\n"
		"create dfw-b-6 hash:ip family inet6 hashsize 1024 maxelem 65536 -exist\n"
		"create dfw-b-6.n hash:ip family inet6 hashsize 1024 maxelem 65536 -exist\n"
		"flush dfw-b-6.n\nswap dfw-b-6.n dfw-b-6\ndestroy dfw-b-6.n\n";
	struct set_blocks bs;
	CHECK(set_blocks_read(text, &bs) && bs.n == 2);
	if (bs.n != 2)
		return;
	CHECK(!strcmp(bs.v[0].name, "dfw-a-4") && !strcmp(bs.v[0].type, "hash:net") && bs.v[0].n == 2);
	CHECK(!strcmp(bs.v[1].name, "dfw-b-6") && !strcmp(bs.v[1].type, "hash:ip") && bs.v[1].n == 0);
	CHECK(bs.v[0].members[1].prefix == 24);
	struct strbuf head = {0}, members = {0}, swaps = {0};
	set_block_text(&bs.v[0], true, &head, &members, &swaps);
	CHECK(!strcmp(head.buf, "create dfw-a-4 hash:net family inet hashsize 1024 maxelem 65536 -exist\n"
			       "create dfw-a-4.n hash:net family inet hashsize 1024 maxelem 65536 -exist\nflush dfw-a-4.n\n"));
	CHECK(!strcmp(members.buf, "add dfw-a-4.n 10.0.0.1 -exist\nadd dfw-a-4.n 192.0.2.0/24 -exist\n"));
	CHECK(!strcmp(swaps.buf, "swap dfw-a-4.n dfw-a-4\ndestroy dfw-a-4.n\n"));
	sb_free(&head);
	sb_free(&members);
	sb_free(&swaps);
	set_blocks_free(&bs);
	/* a line dfwgen does not write, or a member of no set: refused */
	CHECK(!set_blocks_read("create dfw-a-4 hash:net\ndel dfw-a-4 10.0.0.1\n", &bs));
	CHECK(!set_blocks_read("add dfw-x-4.n 10.0.0.1 -exist\n", &bs));
	CHECK(!set_blocks_read("create dfw-a-4 hash:net\nadd dfw-a-4.n 10.0.0.300 -exist\n", &bs));
}

/* The sets a run makes, typed, are exactly what reading its ipset text back gives. */
static void test_typed_sets_match_text(void)
{
	char path[] = "/tmp/dfwgen-unit-XXXXXX";
	int fd = mkstemp(path);
	const char *ini = "[set a]\nentries = 10.0.0.1, 192.0.2.0/24, 2001:db8::/48, 10.0.0.1\n"
			  "[set b]\ntype = hash:ip\nentries = 198.51.100.7\nmaxelem = 1000\n[host]\ntcp = 22\n";
	CHECK(fd >= 0 && write(fd, ini, strlen(ini)) == (ssize_t)strlen(ini));
	close(fd);
	struct source_store store = {0};
	struct ini_doc doc = {.store = &store};
	struct diags d = {0};
	CHECK(ini_load_file(&doc, path, &d));
	struct policy *p = policy_build(&doc, &store, &d);
	CHECK(p && d.errors == 0);
	if (p) {
		char *text = sets_render(p);
		struct set_blocks typed, read;
		set_blocks_from_policy(p, &typed);
		CHECK(set_blocks_read(text, &read) && read.n == typed.n && typed.n == 4);
		for (size_t i = 0; i < typed.n && i < read.n; i++) {
			CHECK(!strcmp(typed.v[i].name, read.v[i].name) && !strcmp(typed.v[i].spec, read.v[i].spec) &&
			      !strcmp(typed.v[i].type, read.v[i].type) && typed.v[i].n == read.v[i].n);
			for (size_t k = 0; k < typed.v[i].n && k < read.v[i].n; k++)
				CHECK(addr_equal(&typed.v[i].members[k], &read.v[i].members[k]));
		}
		set_blocks_free(&typed);
		set_blocks_free(&read);
		free(text);
		policy_free(p);
	}
	unlink(path);
	ini_free(&doc);
	diags_free(&d);
	source_store_free(&store);
}

/* IPv6 written as glibc's inet_ntop writes it: zero runs of every shape,
 * embedded IPv4, random addresses. */
static void test_v6_format(void)
{
	const char *edge[] = {"::", "::1", "1::", "::ffff:1.2.3.4", "::1.2.3.4", "1:0:0:1:0:0:0:1", "1:0:0:2::",
			      "0:0:1::", "::ffff:0:1.2.3.4", "64:ff9b::1.2.3.4", "fe80::", "2001:db8::ff00:42:8329",
			      "1:2:3:4:5:6:7:8", "1:0:2:0:3:0:4:0"};
	struct addr a = {.family = FAM_V6, .prefix = 128};
	char mine[ADDR_STRLEN], libc[ADDR_STRLEN];
	int differ = 0;
	for (size_t i = 0; i < sizeof(edge) / sizeof(*edge); i++) {
		CHECK(inet_pton(AF_INET6, edge[i], a.bytes) == 1);
		addr_format(&a, mine, false);
		CHECK(!strcmp(mine, inet_ntop(AF_INET6, a.bytes, libc, sizeof(libc))));
	}
	srand(16);
	for (int t = 0; t < 200000; t++) {
		unsigned zero = (unsigned)rand();
		for (int w = 0; w < 8; w++) {
			a.bytes[2 * w] = zero >> w & 1 ? 0 : (uint8_t)rand();
			a.bytes[2 * w + 1] = zero >> (w + 8) & 1 ? 0 : (uint8_t)rand();
		}
		addr_format(&a, mine, false);
		differ += strcmp(mine, inet_ntop(AF_INET6, a.bytes, libc, sizeof(libc))) != 0;
	}
	CHECK(differ == 0);
}

struct diff_count {
	size_t adds, dels;
	struct addr last;
	bool ordered;
};

static void count_change(void *arg, bool add, const struct addr *a)
{
	struct diff_count *c = arg;
	if (c->adds + c->dels && members_cmp(&c->last, a) >= 0)
		c->ordered = false;
	c->last = *a;
	++*(add ? &c->adds : &c->dels);
}

/* The kernel's list, in any order, sorted and walked against the wanted one. */
static void test_members_diff(void)
{
	enum { N = 5000 };
	struct addr *want = calloc(N, sizeof(*want)), *have = calloc(N + 2, sizeof(*have));
	for (size_t i = 0; i < N; i++) {
		want[i] = (struct addr){.family = i % 10 ? FAM_V4 : FAM_V6, .prefix = i % 10 ? 32 : 128};
		want[i].bytes[0] = (uint8_t)(i >> 8), want[i].bytes[1] = (uint8_t)i, want[i].bytes[2] = 7;
	}
	size_t n4;
	size_t nw = members_sort_unique(want, N, &n4);
	CHECK(nw == N && n4 == N - N / 10);
	/* have: want less every 100th, plus two others, shuffled */
	size_t nh = 0;
	for (size_t i = 0; i < N; i++) {
		if (i % 100)
			have[nh++] = want[i];
	}
	have[nh] = want[0], have[nh].bytes[3] = 1, nh++;
	have[nh] = want[N - 1], have[nh].bytes[3] = 1, nh++;
	srand(7);
	for (size_t i = nh - 1; i > 0; i--) {
		size_t k = (size_t)rand() % (i + 1);
		struct addr t = have[i];
		have[i] = have[k], have[k] = t;
	}
	CHECK(!members_same(want, nw, have, nh));
	nh = members_sort_unique(have, nh, &n4);
	struct diff_count c = {.ordered = true};
	CHECK(members_diff(want, nw, have, nh, count_change, &c) == N / 100 + 2);
	CHECK(c.adds == N / 100 && c.dels == 2 && c.ordered);
	CHECK(members_same(want, nw, want, nw));
	free(want);
	free(have);
}

/* A generation's id, hashed while its sets' text is written, is the id of
 * the file it is stored as; its rules alone read back without the sets. */
static void test_generation_store(void)
{
	struct addr m[3];
	const char *why;
	CHECK(addr_parse("10.0.0.1", &m[0], &why) && addr_parse("192.0.2.0/24", &m[1], &why) &&
	      addr_parse("2001:db8::/48", &m[2], &why));
	struct set_block b[2] = {
		{.name = "dfw-a-4", .spec = "hash:net family inet -exist", .type = "hash:net", .members = m, .n = 2,
		 .set = "a", .family = FAM_V4},
		{.name = "dfw-a-6", .spec = "hash:net family inet6 -exist", .type = "hash:net", .members = m + 2, .n = 1,
		 .set = "a", .family = FAM_V6},
	};
	struct set_blocks bs = {.v = b, .n = 2};
	char *text = sets_text(&bs);
	const bool family[2] = {true, true};
	const char *rules[2] = {"*filter\n-A FILTERS -j ACCEPT\nCOMMIT\n", "*filter\nCOMMIT\n"};
	struct generation g, back, part;
	generation_make(&g, family, rules, &bs, 2222);
	CHECK(g.sets == NULL && g.sets_len == strlen(text));
	char dir[] = "/tmp/dfwgen-unit-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	struct state_dir sd = {.path = dir, .fd = open(dir, O_RDONLY | O_DIRECTORY)};
	CHECK(state_save_generation(&sd, &g) && state_holds_generation(&sd, &g));
	char err[512];
	CHECK(state_load_generation(&sd, g.id, &back, err, sizeof(err)) && !strcmp(back.id, g.id) &&
	      back.sets && !strcmp(back.sets, text) && back.ssh_port == 2222);
	int fd = state_open_generation(&sd, g.id);
	CHECK(fd >= 0 && generation_read_rules(fd, g.id, &part) && !part.sets && !strcmp(part.body[0], back.body[0]));
	generation_free(&part);
	/* a file that grew is not taken for the generation */
	char *name = xasprintf("%s/gen-%s", dir, g.id);
	FILE *f = fopen(name, "a");
	CHECK(f && fputs("add dfw-a-4.n 10.9.9.9 -exist\n", f) >= 0 && fclose(f) == 0);
	CHECK(!generation_read_rules(fd, g.id, &part) && !state_holds_generation(&sd, &g));
	CHECK(!generation_read(fd, g.id, &part, &why) && !strcmp(why, "its checksum does not match"));
	close(fd);
	unlink(name);
	free(name);
	close(sd.fd);
	rmdir(dir);
	generation_free(&back);
	generation_free(&g);
	free(text);
}

int main(void)
{
	test_addr();
	test_catalogue();
	test_rules();
	test_state_and_shadow();
	test_entries();
	test_set_blocks();
	test_typed_sets_match_text();
	test_v6_format();
	test_members_diff();
	test_generation_store();
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
