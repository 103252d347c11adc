#include "shadow.h"

#include "both.h"
#include "util.h"

#include <endian.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- port sets: sorted, merged ranges over 0..65535 ---- */

#define MAX_RANGES 16 /* multiport takes 15 ports; a complement adds one range */

/* A port list while it is parsed. */
struct port_ranges {
	int n;
	struct port_range r[MAX_RANGES];
};

/* A rule's port constraint: n ranges from `at` in its chain's pool (a shape
 * per rule: ranges inline would make it four times the size). */
struct ports {
	bool any;
	uint8_t n;
	uint32_t at;
};

static int range_order(const void *a, const void *b)
{
	const struct port_range *x = a, *y = b;
	return (int)x->lo - (int)y->lo;
}

static void ports_normalise(struct port_ranges *p)
{
	if (p->n > 1) /* one port, the usual case: nothing to sort */
		qsort(p->r, (size_t)p->n, sizeof(p->r[0]), range_order);
	int k = 0;
	for (int i = 0; i < p->n; i++) {
		if (k && p->r[i].lo <= (unsigned)p->r[k - 1].hi + 1) {
			if (p->r[i].hi > p->r[k - 1].hi)
				p->r[k - 1].hi = p->r[i].hi;
		} else {
			p->r[k++] = p->r[i];
		}
	}
	p->n = k;
}

static void ports_complement(struct port_ranges *p)
{
	struct port_ranges c = {.n = 0};
	unsigned next = 0;
	for (int i = 0; i < p->n; i++) {
		if (p->r[i].lo > next)
			c.r[c.n++] = (struct port_range){(uint16_t)next, (uint16_t)(p->r[i].lo - 1)};
		next = (unsigned)p->r[i].hi + 1;
	}
	if (next <= 65535)
		c.r[c.n++] = (struct port_range){(uint16_t)next, 65535};
	*p = c;
}

/* Parses "22", "1000:2000" or "22,80,1000:2000"; false when it cannot. */
static bool ports_parse(const char *text, bool neg, struct port_ranges *out)
{
	out->n = 0;
	for (const char *seg = text;; seg++) {
		char item[16]; /* "65535:65535" and then some */
		size_t len = strcspn(seg, ",");
		const char *why;
		if (out->n == MAX_RANGES - 1 || len == 0 || len >= sizeof(item))
			return false;
		memcpy(item, seg, len);
		item[len] = '\0';
		if (!port_parse(item, ':', true, &out->r[out->n++], &why))
			return false;
		seg += len;
		if (!*seg)
			break;
	}
	ports_normalise(out);
	if (neg)
		ports_complement(out);
	return true;
}

/* inner within outer */
static bool ports_within(const struct ports *inner, const struct ports *outer, const struct port_range *pool)
{
	if (outer->any)
		return true;
	if (inner->any)
		return false;
	const struct port_range *in = pool + inner->at, *out = pool + outer->at;
	for (int i = 0; i < inner->n; i++) {
		bool inside = false;
		for (int k = 0; k < outer->n && !inside; k++)
			inside = in[i].lo >= out[k].lo && in[i].hi <= out[k].hi;
		if (!inside)
			return false;
	}
	return true;
}

/* ---- what a rule matches, as far as we can model it ---- */

enum { ST_NEW = 1, ST_ESTABLISHED = 2, ST_RELATED = 4, ST_INVALID = 8, ST_UNTRACKED = 16, ST_SNAT = 32, ST_DNAT = 64 };

struct shape {
	const struct rule *r;
	bool terminal, never_covers, unconditional;
	struct ports dport, sport, origdport;
	unsigned states; /* 0: any */
	char **text;     /* every condition not modelled above, as text */
	size_t ntext;
};

static unsigned parse_states(const char *list, bool neg)
{
	static const char *const names[] = {"NEW", "ESTABLISHED", "RELATED", "INVALID", "UNTRACKED", "SNAT", "DNAT"};
	char **items;
	size_t n = split_list(list, &items);
	unsigned m = 0;
	for (size_t i = 0; i < n; i++) {
		for (unsigned k = 0; k < 7; k++) {
			if (!strcmp(items[i], names[k]))
				m |= 1u << k;
		}
	}
	free_list(items, n);
	return neg ? (~m & 0x7f) : m;
}

static void add_text(struct shape *s, size_t *cap, char *t)
{
	VEC_PUSH(s->text, s->ntext, *cap, t);
}

static char *option_text(const struct rule *r, const char *module, const struct rule_opt *o)
{
	struct strbuf sb = {0};
	sb_addf(&sb, "%s%s %s", o->neg ? "! " : "", module, o->name);
	for (int i = 0; i < o->nargs; i++)
		sb_addf(&sb, " %s", rule_arg(r, o, i));
	return sb_steal(&sb);
}

/* A chain's rules as shapes, and the port ranges they refer to. */
struct model {
	struct shape *shapes;
	struct port_range *pool;
	size_t npool, poolcap;
};

static bool take_ports(struct model *m, struct ports *dst, const struct rule *r, const struct rule_opt *o)
{
	struct port_ranges l;
	if (!dst->any || !ports_parse(rule_arg(r, o, 0), o->neg, &l))
		return false; /* a second constraint, or one not understood: the text compares it */
	*dst = (struct ports){.n = (uint8_t)l.n, .at = (uint32_t)m->npool};
	for (int i = 0; i < l.n; i++)
		VEC_PUSH(m->pool, m->npool, m->poolcap, l.r[i]);
	return true;
}

static void shape_build(struct model *md, struct shape *s, const struct rule *r)
{
	size_t cap = 0;
	memset(s, 0, sizeof(*s));
	s->r = r;
	s->terminal = r->terminal;
	s->dport.any = s->sport.any = s->origdport.any = true;
	s->unconditional = !r->opaque && !r->has_src && !r->has_dst && !r->in_if && !r->out_if &&
			   (!r->proto || (!r->proto_neg && !strcmp(r->proto, "all")));
	if (r->opaque)
		s->never_covers = true;
	for (size_t m = 0; m < r->nm; m++) {
		const struct match *mt = &r->m[m];
		if (!strcmp(mt->module, "comment"))
			continue;
		if (!strcmp(mt->module, "limit") || !strcmp(mt->module, "hashlimit") || !strcmp(mt->module, "recent") ||
		    !strcmp(mt->module, "statistic") || !strcmp(mt->module, "connlimit") || !strcmp(mt->module, "quota"))
			s->never_covers = true; /* stateful: the same packets may pass it later */
		for (size_t k = 0; k < mt->nopts; k++) {
			const struct rule_opt *o = &mt->opts[k];
			bool modelled = false;
			if (!mt->def || o->nargs < 1)
				; /* an unknown module's options only compare as text */
			else if (!strcmp(o->name, "--dport") || !strcmp(o->name, "--dports"))
				modelled = take_ports(md, &s->dport, r, o);
			else if (!strcmp(o->name, "--sport") || !strcmp(o->name, "--sports"))
				modelled = take_ports(md, &s->sport, r, o);
			else if (!strcmp(o->name, "--ctorigdstport"))
				modelled = take_ports(md, &s->origdport, r, o);
			else if ((!strcmp(o->name, "--ctstate") || !strcmp(o->name, "--state")) && !s->states) {
				s->states = parse_states(rule_arg(r, o, 0), o->neg);
				modelled = s->states != 0;
			}
			if (!modelled)
				add_text(s, &cap, option_text(r, mt->module, o));
		}
	}
	s->unconditional = s->unconditional && !s->never_covers && !s->ntext && !s->states &&
			   s->dport.any && s->sport.any && s->origdport.any;
}

static void shape_free(struct shape *s)
{
	free_list(s->text, s->ntext);
}

static bool iface_within(const char *in, bool in_neg, const char *out, bool out_neg)
{
	if (!out)
		return true;
	if (!in)
		return false;
	size_t on = strlen(out), inn = strlen(in);
	bool out_wild = out[on - 1] == '+', in_wild = in[inn - 1] == '+';
	if (!in_neg && !out_neg) {
		if (!out_wild)
			return !in_wild && !strcmp(in, out);
		return strncmp(in, out, on - 1) == 0; /* br-+ covers br-x and br-ab+ */
	}
	if (in_neg && out_neg)
		return iface_within(out, false, in, false);
	if (!in_neg && out_neg) {
		/* "not out" holds for every in: no overlap at all */
		size_t k = (in_wild ? inn - 1 : inn) < (out_wild ? on - 1 : on) ? (in_wild ? inn - 1 : inn) : (out_wild ? on - 1 : on);
		if (!in_wild && !out_wild)
			return strcmp(in, out) != 0;
		return strncmp(in, out, k) != 0;
	}
	return false;
}

static bool addr_within(bool has_in, bool in_neg, bool in_list, const struct addr *in,
			bool has_out, bool out_neg, bool out_list, const struct addr *out)
{
	if (!has_out || (!out_neg && out->prefix == 0 && !out_list))
		return true;
	if (!has_in || in_list || out_list)
		return false;
	if (!in_neg && !out_neg)
		return addr_contains(out, in);
	if (in_neg && out_neg)
		return addr_contains(in, out);
	if (!in_neg && out_neg)
		return !addr_contains(out, in) && !addr_contains(in, out);
	return false;
}

static bool text_within(const struct shape *in, const struct shape *out)
{
	for (size_t i = 0; i < out->ntext; i++) {
		bool found = false;
		for (size_t k = 0; k < in->ntext && !found; k++)
			found = !strcmp(out->text[i], in->text[k]);
		if (!found)
			return false;
	}
	return true;
}

/* Does every packet b matches also match a? */
static bool covers(const struct model *m, const struct shape *a, const struct shape *b)
{
	const struct rule *x = a->r, *y = b->r;
	if (!a->terminal || a->never_covers)
		return false;
	if (a->unconditional)
		return true;
	if (!addr_within(y->has_src, y->src_neg, y->src_list, &y->src, x->has_src, x->src_neg, x->src_list, &x->src) ||
	    !addr_within(y->has_dst, y->dst_neg, y->dst_list, &y->dst, x->has_dst, x->dst_neg, x->dst_list, &x->dst) ||
	    !iface_within(y->in_if, y->in_neg, x->in_if, x->in_neg) ||
	    !iface_within(y->out_if, y->out_neg, x->out_if, x->out_neg))
		return false;
	if (x->proto && !(!x->proto_neg && !strcmp(x->proto, "all"))) {
		if (!y->proto || y->proto_neg != x->proto_neg || strcmp(x->proto, y->proto))
			return false;
	}
	if (!ports_within(&b->dport, &a->dport, m->pool) || !ports_within(&b->sport, &a->sport, m->pool) ||
	    !ports_within(&b->origdport, &a->origdport, m->pool))
		return false;
	if (a->states && (!b->states || (b->states & ~a->states)))
		return false;
	/* every condition we do not model must stand in b word for word */
	return text_within(b, a);
}

/* The key of a's first `prefix` bits, for the index `which` (source,
 * destination). Keys only pick candidates: covers() decides, so a collision
 * costs a comparison, never a wrong finding. */
static uint64_t prefix_key(const struct addr *a, int prefix, int which)
{
	uint64_t hi, lo;
	memcpy(&hi, a->bytes, 8);
	memcpy(&lo, a->bytes + 8, 8);
	hi = be64toh(hi);
	lo = be64toh(lo);
	if (prefix < 64)
		hi &= prefix ? ~0ULL << (64 - prefix) : 0;
	if (prefix < 128)
		lo &= prefix > 64 ? ~0ULL << (128 - prefix) : 0;
	uint64_t tag = (uint64_t)(which * 1000 + a->family * 256 + prefix);
	return hash_mix(hi ^ hash_mix(lo ^ hash_mix(tag)));
}

/* ---- an index of earlier rules by a 64-bit key ---- */

/* Open addressing, made on first use and sized once for the chain (a key per
 * rule at most, four fifths full at most: it never grows). A bucket holds 32
 * bits of the key and heads a list of rule indexes, ascending, threaded
 * through `next`; `tail` holds each list's last (kept by its head). Keys only
 * pick candidates, so keys that share those 32 bits share a list and cost a
 * comparison. The index is kept small on purpose: it is probed at random, and
 * at twice the size the probes' cache misses and page faults made up most of
 * the shadow analysis. head holds a rule index + 1: 0 is an empty bucket. */
struct bucket {
	uint32_t key;
	int head;
};

struct index {
	struct bucket *b;
	size_t cap, nrules;
	int *next, *tail;
};

static void index_init(struct index *ix, size_t nrules)
{
	memset(ix, 0, sizeof(*ix));
	ix->nrules = nrules;
}

static size_t slot_of(uint64_t key, size_t cap)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 32) & (cap - 1);
}

static uint32_t bucket_key(uint64_t key)
{
	return (uint32_t)(key >> 32);
}

static const struct bucket *index_find(const struct index *ix, uint64_t key)
{
	if (!ix->cap)
		return NULL;
	for (size_t j = slot_of(key, ix->cap); ix->b[j].head; j = (j + 1) & (ix->cap - 1)) {
		if (ix->b[j].key == bucket_key(key))
			return &ix->b[j];
	}
	return NULL;
}

/* Rules are added in order, so every list stays ascending. */
static void index_add(struct index *ix, uint64_t key, int idx)
{
	if (!ix->cap) {
		for (ix->cap = 16; ix->cap < ix->nrules + ix->nrules / 4; ix->cap *= 2)
			;
		ix->b = xcalloc(ix->cap, sizeof(*ix->b));
		ix->next = xmalloc(ix->nrules * sizeof(*ix->next));
		ix->tail = xmalloc(ix->nrules * sizeof(*ix->tail));
	}
	size_t j = slot_of(key, ix->cap);
	while (ix->b[j].head && ix->b[j].key != bucket_key(key))
		j = (j + 1) & (ix->cap - 1);
	struct bucket *b = &ix->b[j];
	ix->next[idx] = -1;
	if (b->head)
		ix->next[ix->tail[b->head - 1]] = idx;
	else
		*b = (struct bucket){.key = bucket_key(key), .head = idx + 1};
	ix->tail[b->head - 1] = idx;
}

static void index_free(struct index *ix)
{
	free(ix->b);
	free(ix->next);
	free(ix->tail);
}

/* The one port a constraint allows, or -1. */
static long single_port(const struct ports *p, const struct port_range *pool)
{
	return !p->any && p->n == 1 && pool[p->at].lo == pool[p->at].hi ? (long)pool[p->at].lo : -1;
}

static uint64_t port_key(long port, int which)
{
	return hash_mix((uint64_t)which << 32 | (uint64_t)port);
}

static bool plain_addr(bool has, bool neg, bool list, const struct addr *a)
{
	return has && !neg && !list && a->prefix > 0;
}

/* The earliest of the ascending candidates that covers b, if before `best`. */
static int earliest_cover(const struct model *m, const int *cand, size_t n, const struct shape *b, int best)
{
	for (size_t i = 0; i < n && (best < 0 || cand[i] < best); i++) {
		if (covers(m, &m->shapes[cand[i]], b))
			return cand[i];
	}
	return best;
}

static int earliest_in_bucket(const struct model *m, const struct index *ix, const struct bucket *bk,
			      const struct shape *b, int best)
{
	for (int i = bk ? bk->head - 1 : -1; i >= 0 && (best < 0 || i < best); i = ix->next[i]) {
		if (covers(m, &m->shapes[i], b))
			return i;
	}
	return best;
}

/* Earlier terminal rules, indexed by what a rule covering others must share
 * with them: a source prefix, a destination prefix, or a single port. */
struct coverers {
	struct index by_src, by_dst, by_port;
	uint64_t src_lens[3], dst_lens[3]; /* which prefix lengths the indexes hold */
	int *wild;
	size_t nwild, cap;
};

/* The earliest rule whose prefix of a's address, at a length the index
 * holds, covers b. */
static int earliest_by_prefix(const struct model *m, const struct index *ix, const uint64_t *lens,
			      const struct addr *a, int which, const struct shape *b, int best)
{
	/* only the lengths 1 .. a's own that the index holds */
	for (int w = 0; w < 3 && w * 64 <= a->prefix; w++) {
		uint64_t held = w ? lens[w] : lens[0] & ~1ULL;
		int top = a->prefix - w * 64;
		if (top < 63)
			held &= (2ULL << top) - 1;
		for (; held; held &= held - 1)
			best = earliest_in_bucket(m, ix, index_find(ix, prefix_key(a, w * 64 + __builtin_ctzll(held), which)),
						  b, best);
	}
	return best;
}

static int find_cover(const struct model *m, const struct coverers *cv, const struct shape *b)
{
	const struct rule *y = b->r;
	int best = earliest_cover(m, cv->wild, cv->nwild, b, -1);
	const struct ports *kinds[2] = {&b->dport, &b->origdport};
	for (int k = 0; k < 2; k++) {
		long port = single_port(kinds[k], m->pool);
		const struct bucket *bk = port >= 0 ? index_find(&cv->by_port, port_key(port, k)) : NULL;
		best = earliest_in_bucket(m, &cv->by_port, bk, b, best);
	}
	if (plain_addr(y->has_src, y->src_neg, y->src_list, &y->src))
		best = earliest_by_prefix(m, &cv->by_src, cv->src_lens, &y->src, 1, b, best);
	if (plain_addr(y->has_dst, y->dst_neg, y->dst_list, &y->dst))
		best = earliest_by_prefix(m, &cv->by_dst, cv->dst_lens, &y->dst, 2, b, best);
	return best;
}

static bool same_action(const struct rule *a, const struct rule *b)
{
	return a->target && b->target && !strcmp(a->target, b->target) && a->is_goto == b->is_goto;
}

/* Files the terminal rule i under what a rule it covers must share with it. */
static void add_coverer(struct coverers *cv, const struct model *m, const struct shape *s, int i)
{
	const struct rule *r = s->r;
	if (plain_addr(r->has_src, r->src_neg, r->src_list, &r->src)) {
		index_add(&cv->by_src, prefix_key(&r->src, r->src.prefix, 1), i);
		cv->src_lens[r->src.prefix / 64] |= 1ULL << (r->src.prefix % 64);
	} else if (!r->has_src && plain_addr(r->has_dst, r->dst_neg, r->dst_list, &r->dst)) {
		index_add(&cv->by_dst, prefix_key(&r->dst, r->dst.prefix, 2), i);
		cv->dst_lens[r->dst.prefix / 64] |= 1ULL << (r->dst.prefix % 64);
	} else if (single_port(&s->dport, m->pool) >= 0) {
		index_add(&cv->by_port, port_key(single_port(&s->dport, m->pool), 0), i);
	} else if (single_port(&s->origdport, m->pool) >= 0) {
		index_add(&cv->by_port, port_key(single_port(&s->origdport, m->pool), 1), i);
	} else {
		VEC_PUSH(cv->wild, cv->nwild, cv->cap, i);
	}
}

/* Up to 28.2 Docker appends `-A DOCKER-USER -j RETURN` on every start when
 * the chain has no such rule, after whatever is there: below a final DROP it
 * is unreachable by design, not a mistake in the file. */
static bool dockers_trailing_return(const struct chain_state *c, size_t i)
{
	return i + 1 == c->n && !strcmp(c->name, "DOCKER-USER") && rule_spec_is(c->rules[i], "-j RETURN");
}

static void shadow_chain(const struct chain_state *c, const struct ruleset *rs, struct diags *d)
{
	struct model m = {.shapes = xmalloc((c->n ? c->n : 1) * sizeof(*m.shapes))};
	struct coverers cv = {0};
	struct index by_spec;
	index_init(&by_spec, c->n);
	index_init(&cv.by_src, c->n);
	index_init(&cv.by_dst, c->n);
	index_init(&cv.by_port, c->n);
	for (size_t i = 0; i < c->n; i++) {
		const struct rule *r = c->rules[i];
		struct shape *s = &m.shapes[i];
		shape_build(&m, s, r);
		uint64_t spec_key = r->spec ? hash_mix(r->spec_hash) : 0;
		if (r->loc.src == rs->src) {
			/* exact duplicates first: the plainest finding */
			const struct bucket *k = s->never_covers ? NULL : index_find(&by_spec, spec_key);
			int dup = -1;
			for (int j = k ? k->head - 1 : -1; j >= 0 && dup < 0; j = by_spec.next[j]) {
				if (rule_same_spec(c->rules[j], r))
					dup = j;
			}
			int cover = dup >= 0 ? -1 : find_cover(&m, &cv, s);
			const struct rule *e = cover >= 0 ? c->rules[cover] : NULL;
			if (e && m.shapes[cover].unconditional && dockers_trailing_return(c, i))
				; /* Docker's own, after dfwgen's final rule: harmless */
			else if (dup >= 0)
				diag_warn(d, "duplicate-rule", r->loc, "this rule repeats the rule at line %d of %s word for "
					  "word", c->rules[dup]->loc.line, c->name);
			else if (e && m.shapes[cover].unconditional)
				diag_error(d, "unreachable-rule", r->loc, "no packet reaches this rule: the rule at line %d "
					   "ends %s for every packet", e->loc.line, c->name);
			else if (e && same_action(e, r))
				diag_warn(d, "redundant-rule", r->loc, "redundant: the rule at line %d already sends every "
					  "packet this rule matches to %s", e->loc.line, e->target);
			else if (e)
				diag_error(d, "shadowed-rule", r->loc, "this rule never matches: the rule at line %d takes "
					   "every packet it would match (to %s, not %s)", e->loc.line, e->target,
					   r->target ? r->target : "counting");
		}
		if (r->spec)
			index_add(&by_spec, spec_key, (int)i);
		if (s->terminal && !s->never_covers)
			add_coverer(&cv, &m, s, (int)i);
	}
	for (size_t i = 0; i < c->n; i++)
		shape_free(&m.shapes[i]);
	free(m.shapes);
	free(m.pool);
	free(cv.wild);
	index_free(&cv.by_src);
	index_free(&cv.by_dst);
	index_free(&cv.by_port);
	index_free(&by_spec);
}

/* The chains from..to (counted across the tables, in order), with their findings in d. */
struct chain_share {
	const struct ruleset *rs;
	const struct fw_state *st;
	size_t from, to;
	struct diags d;
};

static void shadow_share(void *arg)
{
	struct chain_share *sh = arg;
	size_t k = 0;
	for (size_t t = 0; t < sh->st->n; t++) {
		const struct table_state *ts = &sh->st->tables[t];
		for (size_t i = 0; i < ts->n && k < sh->to; i++, k++) {
			if (k >= sh->from)
				shadow_chain(&ts->chains[i], sh->rs, &sh->d);
		}
	}
}

/* Big rulesets are checked in two shares of chains, the second on a second
 * thread (both.h), split where half the rules are behind: each share's
 * findings are its own, and the first's go before the second's, as one
 * thread would order them. check --full of a 100,000-rule dump, two chains
 * of 50,000: shadowing 17 ms -> 11 ms. */
void shadow_check(const struct ruleset *rs, struct fw_state *st, struct diags *d)
{
	size_t nchains = 0, nrules = 0;
	for (size_t t = 0; t < st->n; t++) {
		for (size_t i = 0; i < st->tables[t].n; i++, nchains++)
			nrules += st->tables[t].chains[i].n;
	}
	size_t mid = nchains, behind = 0, k = 0;
	for (size_t t = 0; t < st->n && mid == nchains; t++) {
		for (size_t i = 0; i < st->tables[t].n && mid == nchains; i++, k++) {
			behind += st->tables[t].chains[i].n;
			if (2 * behind >= nrules)
				mid = k + 1;
		}
	}
	struct chain_share sh[2] = {
		{.rs = rs, .st = st, .from = 0, .to = mid, .d.warnings_are_errors = d->warnings_are_errors},
		{.rs = rs, .st = st, .from = mid, .to = nchains, .d.warnings_are_errors = d->warnings_are_errors},
	};
	if (mid == nchains || !both_worthwhile(nrules)) {
		sh[0].to = nchains;
		shadow_share(&sh[0]);
	} else {
		both_run(shadow_share, &sh[0], shadow_share, &sh[1]);
	}
	for (int i = 0; i < 2; i++) {
		diags_take(d, &sh[i].d, 0);
		diags_free(&sh[i].d);
	}
}
