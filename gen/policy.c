#include "policy.h"

#include "state.h"
#include "util.h"

#include <ctype.h>
#include <endian.h>
#include <stdint.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>

/* ---- the schema: every section and key dfwgen knows, with its default ---- */

enum key_kind { SCALAR, LIST };

struct key_def {
	const char *name;
	enum key_kind kind;
	const char *dflt; /* NULL: required when the section exists (named sections only) */
};

struct section_def {
	const char *kind;
	bool named; /* [set NAME], [port NAME], [policy NAME] */
	const struct key_def *keys;
	size_t nkeys;
};

#define KEYS(...) (const struct key_def[]){__VA_ARGS__}, sizeof((const struct key_def[]){__VA_ARGS__}) / sizeof(struct key_def)

static const struct section_def sections[] = {
	{"global", false, KEYS({"family", SCALAR, "both"}, {"action", SCALAR, "drop"},
			       {"log", SCALAR, "no"}, {"log_prefix", SCALAR, "\"dfwgen: \""},
			       {"log_limit", SCALAR, "5/minute"}, {"ssh_port", SCALAR, "22"})},
	{"docker", false, KEYS({"bridges", LIST, "docker0, docker_gwbridge, br-+"},
			       {"subnets", LIST, "172.17.0.0/16, 172.18.0.0/16"},
			       {"external", LIST, ""}, {"swarm", SCALAR, "no"},
			       {"swarm_peers", LIST, ""}, {"swarm_data_port", SCALAR, "4789"},
			       {"swarm_manager_port", SCALAR, "2377"})},
	{"set", true, KEYS({"type", SCALAR, "hash:net"}, {"entries", LIST, ""},
			   {"file", LIST, ""}, {"maxelem", SCALAR, ""})},
	{"host", false, KEYS({"allow", LIST, ""}, {"tcp", LIST, ""}, {"udp", LIST, ""},
			     {"icmp", SCALAR, "yes"}, {"from_containers", SCALAR, "yes"})},
	{"containers", false, KEYS({"allow", LIST, ""}, {"tcp", LIST, ""}, {"udp", LIST, ""})},
	{"port", true, KEYS({"scope", SCALAR, "containers"}, {"proto", SCALAR, "tcp"},
			    {"port", SCALAR, NULL}, {"allow", LIST, NULL})},
	{"policy", true, KEYS({"forbid", SCALAR, ""}, {"require", SCALAR, ""},
			      {"chain", SCALAR, ""}, {"message", SCALAR, ""})},
};
#define NSECTIONS (sizeof(sections) / sizeof(sections[0]))
#define MAX_KEYS 8

/* ---- the merged view ---- */

struct mval {
	char *text;
	struct loc loc;
};

struct mkey {
	struct mval *v;
	size_t n, cap;
};

struct msection {
	char *name; /* as written, e.g. "set trusted" */
	char *arg;  /* "trusted", or NULL */
	const struct section_def *def;
	struct loc loc;
	struct mkey keys[MAX_KEYS];
};

struct merged {
	struct msection *v;
	size_t n, cap;
	struct name_index by_name; /* ten thousand [port] sections are not rare */
};

static const char *section_name_at(const void *v, size_t i)
{
	return ((const struct msection *)v)[i].name;
}

static const struct section_def *find_section_def(const char *kind)
{
	for (size_t i = 0; i < NSECTIONS; i++) {
		if (strcmp(sections[i].kind, kind) == 0)
			return &sections[i];
	}
	return NULL;
}

static int find_key(const struct section_def *def, const char *key)
{
	for (size_t i = 0; i < def->nkeys; i++) {
		if (strcmp(def->keys[i].name, key) == 0)
			return (int)i;
	}
	return -1;
}

static bool valid_name(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max || !isalpha((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	}
	return true;
}

/* Finds or creates the merged section for a header; NULL (and an error) if invalid. */
static struct msection *section_for(struct merged *m, const char *name, struct loc loc, struct diags *d)
{
	long known = name_index_find(&m->by_name, name, section_name_at, m->v);
	if (known >= 0)
		return &m->v[known];
	char *copy = xstrdup(name);
	char *space = strpbrk(copy, " \t");
	char *arg = NULL;
	if (space) {
		*space = '\0';
		arg = trim(space + 1);
	}
	const struct section_def *def = find_section_def(copy);
	if (!def) {
		diag_error(d, "unknown-section", loc,
			   "unknown section [%s]; known: [global] [docker] [set NAME] [host] "
			   "[containers] [port NAME] [policy NAME]", name);
		free(copy);
		return NULL;
	}
	if (def->named && !arg) {
		diag_error(d, "unknown-section", loc, "section [%s] needs a name: [%s NAME]", name, name);
		free(copy);
		return NULL;
	}
	if (!def->named && arg) {
		diag_error(d, "unknown-section", loc, "section [%s] takes no name; write [%s]", name, def->kind);
		free(copy);
		return NULL;
	}
	if (arg && !valid_name(arg, SET_NAME_MAX)) {
		diag_error(d, "bad-name", loc,
			   "name '%s' must start with a letter and hold only letters, digits, '_' "
			   "and '-', at most %d characters", arg, SET_NAME_MAX);
		free(copy);
		return NULL;
	}
	struct msection s = {.name = xasprintf("%s%s%s", def->kind, arg ? " " : "", arg ? arg : ""),
			     .arg = arg ? xstrdup(arg) : NULL, .def = def, .loc = loc};
	free(copy);
	VEC_PUSH(m->v, m->n, m->cap, s);
	name_index_add(&m->by_name, m->n, section_name_at, m->v);
	return &m->v[m->n - 1];
}

static bool is_blank(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return !*s;
}

/* "key = value" or "key: value" (not an IPv6 address such as "abcd::1"). */
static bool looks_like_assignment(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz_");
	if (n == 0)
		return false;
	s += n;
	s += strspn(s, " \t");
	return *s == '=' || (*s == ':' && (s[1] == ' ' || s[1] == '\t'));
}

static void merge_value(struct msection *s, const struct ini_entry *e, struct diags *d)
{
	int k = find_key(s->def, e->key);
	if (k < 0) {
		struct strbuf known = {0};
		for (size_t i = 0; i < s->def->nkeys; i++)
			sb_addf(&known, "%s%s", i ? ", " : "", s->def->keys[i].name);
		size_t len;
		const char *line = source_line(e->loc.src, e->loc.line, &len);
		size_t i = 0;
		while (i < len && isspace((unsigned char)line[i]))
			i++;
		diag_error(d, "unknown-key", loc_span(e->loc.src, e->loc.line, (int)i + 1, (int)strlen(e->key)),
			   "unknown key '%s' in [%s] (known: %s)", e->key, s->name, known.buf);
		sb_free(&known);
		return;
	}
	const struct key_def *kd = &s->def->keys[k];
	struct mkey *mk = &s->keys[k];
	if (e->continuation && looks_like_assignment(e->value)) {
		diag_error(d, "ini-syntax", e->loc, "this indented line is read as more values for '%s' "
			   "(libinih joins indented lines to the key above); remove the indentation", e->key);
		return;
	}
	if (kd->kind == SCALAR) {
		if (e->continuation) {
			diag_error(d, "ini-syntax", e->loc,
				   "this indented line continues '%s', which takes one value; "
				   "remove the indentation or join the lines", e->key);
			return;
		}
		if (mk->n && mk->v[0].loc.src == e->loc.src && strcmp(mk->v[0].text, e->value) != 0) {
			diag_error(d, "duplicate-key", e->loc,
				   "'%s' in [%s] is set twice in this file with different values "
				   "(first at line %d)", e->key, s->name, mk->v[0].loc.line);
			diag_note(d, "duplicate-key", mk->v[0].loc, "'%s' first set here", e->key);
			return;
		}
		for (size_t i = 0; i < mk->n; i++)
			free(mk->v[i].text);
		mk->n = 0;
	} else if (is_blank(e->value)) {
		for (size_t i = 0; i < mk->n; i++)
			free(mk->v[i].text);
		mk->n = 0; /* an empty value resets a list */
	}
	struct mval v = {.text = xstrdup(e->value), .loc = e->loc};
	VEC_PUSH(mk->v, mk->n, mk->cap, v);
}

static struct merged *merge(const struct ini_doc *doc, struct diags *d)
{
	struct merged *m = xcalloc(1, sizeof(*m));
	struct msection *cur = NULL;
	for (size_t i = 0; i < doc->n; i++) {
		const struct ini_entry *e = &doc->v[i];
		if (!e->key) {
			cur = section_for(m, e->section, e->loc, d);
		} else if (e->section[0] == '\0') {
			/* libinih starts every file outside any section */
			diag_error(d, "ini-syntax", e->loc, "'%s' stands before any [section] header", e->key);
		} else if (cur) {
			merge_value(cur, e, d);
		} /* else: the bad header was reported already */
	}
	return m;
}

/* ---- typed parsing ---- */

struct item {
	const char *text;
	struct loc loc;
};

struct items {
	struct item *v;
	size_t n;
	char **parts;
	size_t nparts;
};

/* Splits a list value at its commas; each item is located at its own column. */
static void items_split(const struct mval *v, struct items *out, struct diags *d)
{
	memset(out, 0, sizeof(*out));
	size_t cap = 0, pcap = 0;
	const char *seg = v->text;
	for (;;) {
		const char *comma = strchr(seg, ',');
		size_t len = comma ? (size_t)(comma - seg) : strlen(seg);
		size_t lead = 0;
		while (lead < len && (seg[lead] == ' ' || seg[lead] == '\t'))
			lead++;
		while (len > lead && (seg[len - 1] == ' ' || seg[len - 1] == '\t'))
			len--;
		char *text = xstrndup(seg + lead, len - lead);
		VEC_PUSH(out->parts, out->nparts, pcap, text);
		int col = v->loc.col + (int)(seg + lead - v->text);
		struct loc loc = loc_span(v->loc.src, v->loc.line, col, (int)(len - lead));
		if (!text[0])
			diag_error(d, "empty-item", loc, "empty list item (two commas in a row, or a "
				   "comma at the start or end)");
		else
			VEC_PUSH(out->v, out->n, cap, ((struct item){.text = text, .loc = loc}));
		if (!comma)
			break;
		seg = comma + 1;
	}
}

static void items_free(struct items *it)
{
	free(it->v);
	free_list(it->parts, it->nparts);
}

typedef void (*item_fn)(struct policy *p, void *out, const struct item *it, struct diags *d);

/* Runs fn on every item of a list key: the user's values, or the schema default
 * when the key was never written (an explicit empty value means "none"). */
static void each_item(struct policy *p, const struct msection *s, const char *key, void *out, item_fn fn,
		      struct diags *d)
{
	int k = find_key(s->def, key);
	const struct mkey *mk = &s->keys[k];
	struct mval dflt = {.text = (char *)s->def->keys[k].dflt};
	const struct mval *vals = mk->n ? mk->v : &dflt;
	size_t n = mk->n ? mk->n : (dflt.text ? 1 : 0);
	for (size_t i = 0; i < n; i++) {
		if (is_blank(vals[i].text))
			continue; /* the marker of a reset */
		struct items it;
		items_split(&vals[i], &it, d);
		for (size_t j = 0; j < it.n; j++)
			fn(p, out, &it.v[j], d);
		items_free(&it);
	}
}

/* The one value of a scalar key: the user's, or the schema default. */
static struct mval scalar(const struct msection *s, const char *key)
{
	int k = find_key(s->def, key);
	const struct mkey *mk = &s->keys[k];
	if (mk->n)
		return mk->v[mk->n - 1];
	return (struct mval){.text = (char *)s->def->keys[k].dflt};
}

static bool parse_bool(struct mval v, bool *out, struct diags *d)
{
	static const char *yes[] = {"yes", "true", "on", "1"}, *no[] = {"no", "false", "off", "0"};
	for (size_t i = 0; i < 4; i++) {
		if (strcmp(v.text, yes[i]) == 0)
			return *out = true;
		if (strcmp(v.text, no[i]) == 0)
			return !(*out = false);
	}
	diag_error(d, "bad-value", v.loc, "expected yes or no, got '%s'", v.text);
	return false;
}

/* Index of v.text in a NULL-terminated list of words, or -1 with an error. */
static int parse_word(struct mval v, const char *const *words, struct diags *d)
{
	struct strbuf sb = {0};
	for (int i = 0; words[i]; i++) {
		if (strcmp(v.text, words[i]) == 0) {
			sb_free(&sb);
			return i;
		}
		sb_addf(&sb, "%s%s", i ? " | " : "", words[i]);
	}
	diag_error(d, "bad-value", v.loc, "expected %s, got '%s'", sb.buf, v.text);
	sb_free(&sb);
	return -1;
}

static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	if (!*s || strlen(s) > 10)
		return false;
	for (const char *c = s; *c; c++) {
		if (!isdigit((unsigned char)*c))
			return false;
	}
	errno = 0;
	unsigned long v = strtoul(s, NULL, 10);
	if (errno || v > max)
		return false;
	*out = v;
	return true;
}

/* A quoted or bare string of printable characters without '"' or '\'. */
static char *parse_text(struct mval v, size_t max, const char *what, struct diags *d)
{
	const char *s = v.text;
	size_t n = strlen(s);
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s++;
		n -= 2;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
			diag_error(d, "bad-value", v.loc, "%s must not contain quotes, backslashes or "
				   "control characters", what);
			return NULL;
		}
	}
	if (n > max) {
		diag_error(d, "bad-value", v.loc, "%s is %zu characters long; at most %zu", what, n, max);
		return NULL;
	}
	return xstrndup(s, n);
}

static bool valid_rate(const char *s)
{
	static const char *units[] = {"second", "minute", "hour", "day", "sec", "min", "s", "m", "h", "d", NULL};
	const char *slash = strchr(s, '/');
	if (!slash || slash == s || slash - s > 9)
		return false;
	for (const char *c = s; c < slash; c++) {
		if (!isdigit((unsigned char)*c))
			return false;
	}
	if (atol(s) < 1)
		return false;
	for (int i = 0; units[i]; i++) {
		if (strcmp(slash + 1, units[i]) == 0)
			return true;
	}
	return false;
}

static bool valid_iface(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 15)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '+' && i == n - 1 && n > 1)
			continue;
		if (!isalnum(c) && c != '_' && c != '-' && c != '.' && c != '@')
			return false;
	}
	return true;
}

static void add_iface(struct policy *p, void *out, const struct item *it, struct diags *d)
{
	(void)p;
	if (!valid_iface(it->text)) {
		diag_error(d, "bad-interface", it->loc,
			   "'%s' is not an interface name (1 to 15 letters, digits, '_', '-', '.', "
			   "with an optional trailing '+' as a wildcard)", it->text);
		return;
	}
	struct iface_list *l = out;
	VEC_PUSH(l->v, l->n, l->cap, xstrdup(it->text));
	l->locs = xrealloc(l->locs, l->cap * sizeof(*l->locs));
	l->locs[l->n - 1] = it->loc;
}

bool policy_family_on(const struct policy *p, enum family f)
{
	return f == FAM_V4 ? p->v4 : p->v6;
}

static bool family_wanted(const struct policy *p, const struct addr *a, struct loc loc, struct diags *d)
{
	if (policy_family_on(p, a->family))
		return true;
	diag_warn(d, "family-ignored", loc, "this IPv%d address is ignored: [global] family "
		  "leaves IPv%d out", a->family, a->family);
	return false;
}

static bool parse_addr_item(const struct item *it, struct addr *a, struct diags *d)
{
	const char *why;
	if (addr_parse(it->text, a, &why))
		return true;
	diag_error(d, "bad-address", it->loc, "'%s': %s", it->text, why);
	return false;
}

static void add_subnet(struct policy *p, void *out, const struct item *it, struct diags *d)
{
	(void)out;
	struct addr a;
	if (parse_addr_item(it, &a, d) && family_wanted(p, &a, it->loc, d))
		VEC_PUSH(p->subnets, p->nsubnets, p->subnets_cap, a);
}

static void add_port(struct policy *p, void *out, const struct item *it, struct diags *d)
{
	(void)p;
	struct port_range r;
	const char *why;
	if (!port_parse(it->text, '-', false, &r, &why)) {
		diag_error(d, "bad-port", it->loc, "'%s': %s", it->text, why);
		return;
	}
	struct port_list *l = out;
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i].lo == r.lo && l->v[i].hi == r.hi)
			return; /* fragments may repeat what another opened */
	}
	VEC_PUSH(l->v, l->n, l->cap, r);
	l->locs = xrealloc(l->locs, l->cap * sizeof(*l->locs));
	l->locs[l->n - 1] = it->loc;
}

static long find_set(const struct policy *p, const char *name)
{
	for (size_t i = 0; i < p->nsets; i++) {
		if (strcmp(p->sets[i].name, name) == 0)
			return (long)i;
	}
	return -1;
}

static void add_source(struct policy *p, void *out, const struct item *it, struct diags *d)
{
	struct source_list *l = out;
	struct source_ref r = {.loc = it->loc};
	if (isalpha((unsigned char)it->text[0]) && !strchr(it->text, ':')) {
		long set = find_set(p, it->text);
		if (set < 0) {
			diag_error(d, "unknown-set", it->loc, "no [set %s] is defined (an allow list "
				   "names sets or addresses)", it->text);
			return;
		}
		r.is_set = true;
		r.set = (size_t)set;
	} else if (!parse_addr_item(it, &r.addr, d) || !family_wanted(p, &r.addr, it->loc, d)) {
		return;
	}
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i].is_set == r.is_set && (r.is_set ? l->v[i].set == r.set : addr_equal(&l->v[i].addr, &r.addr)))
			return;
	}
	VEC_PUSH(l->v, l->n, l->cap, r);
}

static bool entry_fits(const struct ipset_def *set, const struct addr *a)
{
	return a->prefix != 0 && (set->type != SET_HASH_IP || a->prefix == addr_max_prefix(a->family));
}

static void report_unfit(const struct ipset_def *set, const struct addr *a, const struct item *it, struct diags *d)
{
	if (a->prefix == 0)
		diag_error(d, "bad-address", it->loc, "'%s' is every address, which no ipset can hold (ipset "
			   "restore fails on it); to let everyone in, make the port public instead", it->text);
	else
		diag_error(d, "bad-address", it->loc, "'%s' is a network, but [set %s] is hash:ip, "
			   "which would add every address in it one by one; use type = hash:net",
			   it->text, set->name);
}

static void add_entry_item(struct policy *p, void *out, const struct item *it, struct diags *d)
{
	struct ipset_def *set = out;
	struct addr a;
	if (!parse_addr_item(it, &a, d) || !family_wanted(p, &a, it->loc, d))
		return;
	if (entry_fits(set, &a))
		VEC_PUSH(set->entries, set->nentries, set->cap, a);
	else
		report_unfit(set, &a, it, d);
}

/* A list of a million lines must not print a million diagnostics: the first
 * few bad entries are shown, and one warning stands for every address of a
 * family the config leaves out. */
#define LIST_ERRORS_SHOWN 10

struct list_tally {
	size_t bad, ignored[2];
	struct loc first_hidden, first_ignored[2];
};

/* Whether the next bad entry, at `at`, is still shown. */
static bool show_bad(struct list_tally *t, struct loc at)
{
	if (t->bad++ < LIST_ERRORS_SHOWN)
		return true;
	if (t->bad == LIST_ERRORS_SHOWN + 1)
		t->first_hidden = at;
	return false;
}

static void add_list_entry(struct policy *p, struct ipset_def *set, const struct item *it,
			   struct list_tally *t, struct diags *d)
{
	struct addr a;
	const char *why;
	if (!addr_parse(it->text, &a, &why)) {
		/* a file not everyone may read is never quoted (`file = /etc/shadow`) */
		if (!show_bad(t, it->loc))
			return;
		if (it->loc.src->secret)
			diag_error(d, "bad-address", it->loc, "not an address (%s is not readable by everyone, so its "
				   "text is not shown)", it->loc.src->name);
		else
			diag_error(d, "bad-address", it->loc, "'%s': %s", it->text, why);
		return;
	}
	int f = a.family == FAM_V6;
	if (!policy_family_on(p, a.family)) {
		if (!t->ignored[f]++)
			t->first_ignored[f] = it->loc;
		return;
	}
	if (entry_fits(set, &a))
		VEC_PUSH(set->entries, set->nentries, set->cap, a);
	else if (show_bad(t, it->loc))
		report_unfit(set, &a, it, d);
}

static void report_list_tally(const struct list_tally *t, const struct source *src, struct diags *d)
{
	for (int f = 0; f < 2; f++) {
		int v = f ? 6 : 4;
		if (t->ignored[f] == 1)
			diag_warn(d, "family-ignored", t->first_ignored[f], "this IPv%d address is ignored: "
				  "[global] family leaves IPv%d out", v, v);
		else if (t->ignored[f])
			diag_warn(d, "family-ignored", t->first_ignored[f], "this IPv%d address and %zu more in "
				  "%s are ignored: [global] family leaves IPv%d out", v, t->ignored[f] - 1, src->name, v);
	}
	if (t->bad > LIST_ERRORS_SHOWN)
		diag_error(d, "bad-address", t->first_hidden, "bad entries from here on are not shown "
			   "(%zu in %s)", t->bad - LIST_ERRORS_SHOWN, src->name);
}

/* Where a list line's word is: false for a blank or comment-only line. *len
 * is the whole line's. */
static bool list_word(const struct source *src, size_t ln, const char **line, size_t *len, size_t *start,
		      size_t *n)
{
	*line = source_line(src, (int)ln, len);
	const char *hash = memchr(*line, '#', *len);
	size_t end = hash ? (size_t)(hash - *line) : *len, s = 0;
	while (s < end && isspace((unsigned char)(*line)[s]))
		s++;
	while (end > s && isspace((unsigned char)(*line)[end - 1]))
		end--;
	*start = s;
	*n = end - s;
	return s < end;
}

/* One list line the whole way, reporting what is wrong with it. */
static void add_list_line(struct policy *p, struct ipset_def *set, const struct source *src, size_t ln,
			  struct list_tally *t, struct diags *d)
{
	const char *line;
	size_t len, start, n;
	if (!list_word(src, ln, &line, &len, &start, &n))
		return;
	if (memchr(line, '\0', len)) {
		if (show_bad(t, loc_line(src, (int)ln)))
			diag_error(d, "bad-address", loc_line(src, (int)ln), "line contains a NUL byte");
		return;
	}
	char *text = xstrndup(line + start, n);
	struct item e = {.text = text, .loc = loc_span(src, (int)ln, (int)start + 1, (int)n)};
	add_list_entry(p, set, &e, t, d);
	free(text);
}

/* A list is read in two steps so that a big one can be parsed by two threads:
 * a scan of a share of its lines writes each good entry to `out`, and for any
 * other line a mark (family FAM_NONE, the line number as prefix, bytes[0] the
 * family [global] leaves out, if that is all); then one walk in line order
 * keeps the entries and sends each marked line down the reporting path. A
 * share has room for one entry per line. */
struct list_scan {
	const struct policy *p;
	const struct ipset_def *set;
	const struct source *src;
	size_t from, to; /* lines [from, to) */
	struct addr *out;
	size_t n;
};

static void *scan_list(void *arg)
{
	struct list_scan *s = arg;
	char word[128]; /* longer than any address */
	for (size_t ln = s->from; ln < s->to; ln++) {
		const char *line, *why;
		size_t len, start, n;
		if (!list_word(s->src, ln, &line, &len, &start, &n))
			continue;
		struct addr a, mark = {.family = FAM_NONE, .prefix = (int)ln};
		bool good = n < sizeof(word) && !memchr(line, '\0', len);
		if (good) {
			memcpy(word, line + start, n);
			word[n] = '\0';
			good = addr_parse(word, &a, &why) && entry_fits(s->set, &a);
		}
		if (good && !policy_family_on(s->p, a.family))
			mark.bytes[0] = (uint8_t)a.family;
		s->out[s->n++] = good && !mark.bytes[0] ? a : mark;
	}
	return NULL;
}

/* A `file =` list: one address or network per line, '#' comments. */
/* A list file must be a regular file of a sane size, outside /proc and /sys:
 * a FIFO would hang apply (and the hooks that run it), /dev/zero would grow
 * without end, /proc/self/mem reads as an empty list. */
#define LIST_FILE_MAX (1UL << 30)
static bool list_file_ok(const struct policy *p, const char *path, struct loc at, struct diags *d)
{
	struct stat st;
	struct statfs fs;
	const char *why = NULL;
	char untrusted[PATH_MAX + 128];
	if (stat(path, &st) != 0)
		return true; /* source_load says why it cannot be read */
	if (!S_ISREG(st.st_mode))
		why = "is not a regular file (a FIFO or a device would hang or never end)";
	else if ((unsigned long)st.st_size > LIST_FILE_MAX)
		why = "is larger than 1 GiB";
	else if (statfs(path, &fs) == 0 && (fs.f_type == PROC_SUPER_MAGIC || fs.f_type == SYSFS_MAGIC))
		why = "is in /proc or /sys, whose files are no lists";
	if (why) {
		diag_error(d, "bad-list-file", at, "list file '%s' %s", path, why);
		return false;
	}
	if (p->doc->strict && !path_trusted(path, untrusted, sizeof(untrusted))) {
		diag_error(d, "untrusted-path", at, "list file '%s' is not safe to read as root: %s (or pass "
			   "--no-strict-modes)", path, untrusted);
		return false;
	}
	return true;
}

static void add_list_file(struct policy *p, void *out, const struct item *it, struct diags *d)
{
	struct ipset_def *set = out;
	char *path;
	const char *base = it->loc.src->name;
	const char *slash = strrchr(base, '/');
	if (it->text[0] == '/' || !slash)
		path = xstrdup(it->text);
	else
		path = xasprintf("%.*s/%s", (int)(slash - base), base, it->text);
	struct stat st;
	struct source *src = list_file_ok(p, path, it->loc, d) ? source_load(path, it->loc, d) : NULL;
	if (src)
		src->secret = stat(path, &st) != 0 || !(st.st_mode & S_IROTH);
	free(path);
	if (!src)
		return;
	VEC_PUSH(p->doc->files, p->doc->nfiles, p->doc->filecap, src);
	if (set->cap < set->nentries + src->nlines) {
		/* at most one entry a line: room reserved once, never copied while it grows */
		set->cap = set->nentries + src->nlines;
		set->entries = xrealloc(set->entries, set->cap * sizeof(*set->entries));
	}
	prefault(set->entries + set->nentries, src->nlines * sizeof(*set->entries));
	struct list_scan share[2] = {{.p = p, .set = set, .src = src, .from = 1, .to = src->nlines + 1,
				      .out = set->entries + set->nentries}};
	if (split_work(src->nlines)) {
		share[1] = share[0];
		share[0].to = share[1].from = 1 + src->nlines / 2;
		share[1].out += src->nlines / 2;
		run_pair(scan_list, &share[0], &share[1]);
	} else {
		scan_list(&share[0]);
	}
	/* The walk writes at or before the slot it reads: each slot yields at most one entry. */
	struct list_tally tally = {0};
	for (int h = 0; h < 2; h++) {
		for (size_t i = 0; i < share[h].n; i++) {
			struct addr a = share[h].out[i];
			size_t *ignored = &tally.ignored[a.bytes[0] == FAM_V6];
			if (a.family != FAM_NONE)
				set->entries[set->nentries++] = a;
			else if (a.bytes[0] && *ignored) /* the first one is located by the reporting path */
				++*ignored;
			else
				add_list_line(p, set, src, (size_t)a.prefix, &tally, d);
		}
	}
	report_list_tally(&tally, src, d);
}

static void build_global(struct policy *p, const struct msection *s, struct diags *d)
{
	static const char *const families[] = {"ipv4", "ipv6", "both", NULL};
	static const char *const actions[] = {"drop", "reject", NULL};
	int fam = parse_word(scalar(s, "family"), families, d);
	p->v4 = fam != 1;
	p->v6 = fam != 0;
	int act = parse_word(scalar(s, "action"), actions, d);
	p->action = act == 1 ? ACTION_REJECT : ACTION_DROP;
	parse_bool(scalar(s, "log"), &p->log, d);
	p->log_prefix = parse_text(scalar(s, "log_prefix"), LOG_PREFIX_MAX, "log_prefix", d);
	struct mval limit = scalar(s, "log_limit");
	if (valid_rate(limit.text))
		p->log_limit = xstrdup(limit.text);
	else
		diag_error(d, "bad-value", limit.loc, "log_limit '%s' is not a rate such as 5/minute "
			   "(units: second, minute, hour, day)", limit.text);
	struct mval ssh = scalar(s, "ssh_port");
	unsigned long port;
	p->ssh_port_loc = ssh.loc;
	if (parse_uint(ssh.text, 65535, &port))
		p->ssh_port = (unsigned)port;
	else
		diag_error(d, "bad-port", ssh.loc, "ssh_port '%s' must be 0 (no anti-lockout check) "
			   "to 65535", ssh.text);
}

/* A cluster port Docker lets the admin move (--data-path-port, --listen-addr). */
static unsigned swarm_port(struct mval v, const char *key, struct diags *d)
{
	unsigned long port;
	if (parse_uint(v.text, 65535, &port) && port > 0)
		return (unsigned)port;
	diag_error(d, "bad-port", v.loc, "%s '%s' must be a port, 1 to 65535", key, v.text);
	return 0;
}

static void build_docker(struct policy *p, const struct msection *s, struct diags *d)
{
	each_item(p, s, "bridges", &p->bridges, add_iface, d);
	each_item(p, s, "subnets", NULL, add_subnet, d);
	each_item(p, s, "external", &p->external, add_iface, d);
	parse_bool(scalar(s, "swarm"), &p->swarm, d);
	each_item(p, s, "swarm_peers", &p->swarm_peers, add_source, d);
	/* swarm = yes without peers is a single-node swarm: no cluster port opens */
	p->swarm_data_port = swarm_port(scalar(s, "swarm_data_port"), "swarm_data_port", d);
	p->swarm_manager_port = swarm_port(scalar(s, "swarm_manager_port"), "swarm_manager_port", d);
}

/* IPv6 entries as integers: the address's halves, then the prefix. */
struct v6_key {
	uint64_t hi, lo;
	unsigned prefix;
};

static struct v6_key v6_key(const struct addr *a)
{
	struct v6_key k = {.prefix = (unsigned)a->prefix};
	memcpy(&k.hi, a->bytes, 8);
	memcpy(&k.lo, a->bytes + 8, 8);
	k.hi = be64toh(k.hi);
	k.lo = be64toh(k.lo);
	return k;
}

static bool v6_before(const struct v6_key *a, const struct v6_key *b)
{
	if (a->hi != b->hi)
		return a->hi < b->hi;
	return a->lo != b->lo ? a->lo < b->lo : a->prefix < b->prefix;
}

static bool v6_same(const struct v6_key *a, const struct v6_key *b)
{
	return a->hi == b->hi && a->lo == b->lo && a->prefix == b->prefix;
}

/* A bottom-up merge sort with the comparison inline: qsort comparing whole
 * addresses through memcmp took a seventh of `dfwgen rules` on a list of a
 * million entries, a tenth of them IPv6. */
static void sort_v6(struct v6_key *v, size_t n)
{
	struct v6_key *tmp = xmalloc((n ? n : 1) * sizeof(*tmp)), *from = v, *to = tmp;
	for (size_t width = 1; width < n; width *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * width) {
			size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				to[k++] = v6_before(&from[j], &from[i]) ? from[j++] : from[i++];
			while (i < mid)
				to[k++] = from[i++];
			while (j < hi)
				to[k++] = from[j++];
		}
		struct v6_key *swap = from;
		from = to;
		to = swap;
	}
	if (from != v)
		memcpy(v, from, n * sizeof(*v));
	free(tmp);
}

/* IPv4 entries as one integer: address, then prefix. */
static uint64_t v4_key(const struct addr *a)
{
	return ((uint64_t)a->bytes[0] << 32 | (uint64_t)a->bytes[1] << 24 | (uint64_t)a->bytes[2] << 16 |
		(uint64_t)a->bytes[3] << 8) | (uint64_t)a->prefix;
}

/* LSD radix sort of 40-bit keys: lists of a million addresses sort in linear
 * time. Four passes of 10 bits (the counts stay in the cache); all four
 * histograms in one read; the passes ping-pong between two buffers, so the
 * result ends where it began. */
static void radix_sort(uint64_t *v, size_t n)
{
	enum { PASSES = 4, BITS = 10, BUCKETS = 1 << BITS };
	_Static_assert(PASSES % 2 == 0 && PASSES * BITS >= 40, "an even number of passes over all 40 bits");
	uint64_t *tmp = xmalloc((n ? n : 1) * sizeof(*tmp)), *from = v, *to = tmp;
	prefault(tmp, n * sizeof(*tmp));
	size_t (*count)[BUCKETS + 1] = xcalloc(PASSES, sizeof(*count));
	for (size_t i = 0; i < n; i++) {
		for (int p = 0; p < PASSES; p++)
			count[p][((v[i] >> (BITS * p)) & (BUCKETS - 1)) + 1]++;
	}
	for (int p = 0; p < PASSES; p++) {
		for (int b = 0; b < BUCKETS; b++)
			count[p][b + 1] += count[p][b];
		for (size_t i = 0; i < n; i++)
			to[count[p][(from[i] >> (BITS * p)) & (BUCKETS - 1)]++] = from[i];
		uint64_t *swap = from;
		from = to;
		to = swap;
	}
	free(count);
	free(tmp);
}

/* Sorted (IPv4 first) and without repeats: stable output, and the count ipset
 * will really hold. */
static void unique_entries(struct ipset_def *set)
{
	if (!set->nentries)
		return;
	size_t n4 = 0, n6 = 0;
	uint64_t *keys = xmalloc((set->nentries + 1) * sizeof(*keys));
	prefault(keys, set->nentries * sizeof(*keys));
	struct v6_key *v6 = xmalloc((set->nentries + 1) * sizeof(*v6)); /* aside: the result goes over the entries */
	for (size_t i = 0; i < set->nentries; i++) {
		if (set->entries[i].family == FAM_V4)
			keys[n4++] = v4_key(&set->entries[i]);
		else
			v6[n6++] = v6_key(&set->entries[i]);
	}
	struct addr *out = set->entries;
	sort_v6(v6, n6);
	radix_sort(keys, n4);
	size_t n = 0;
	for (size_t i = 0; i < n4; i++) {
		if (i && keys[i] == keys[i - 1])
			continue;
		struct addr a = {.family = FAM_V4, .prefix = (int)(keys[i] & 0xff)};
		for (int b = 0; b < 4; b++)
			a.bytes[b] = (uint8_t)(keys[i] >> (32 - 8 * b));
		out[n++] = a;
	}
	set->count[0] = n;
	for (size_t i = 0; i < n6; i++) {
		if (i && v6_same(&v6[i], &v6[i - 1]))
			continue;
		struct addr a = {.family = FAM_V6, .prefix = (int)v6[i].prefix};
		uint64_t hi = htobe64(v6[i].hi), lo = htobe64(v6[i].lo);
		memcpy(a.bytes, &hi, 8);
		memcpy(a.bytes + 8, &lo, 8);
		out[n++] = a;
	}
	set->count[1] = n - set->count[0];
	free(keys);
	free(v6);
	set->nentries = n;
}

static void build_set(struct policy *p, struct ipset_def *set, const struct msection *s, struct diags *d)
{
	static const char *const types[] = {"hash:net", "hash:ip", NULL};
	set->type = parse_word(scalar(s, "type"), types, d) == 1 ? SET_HASH_IP : SET_HASH_NET;
	each_item(p, s, "entries", set, add_entry_item, d);
	each_item(p, s, "file", set, add_list_file, d);
	unique_entries(set);
	struct mval m = scalar(s, "maxelem");
	if (is_blank(m.text))
		return;
	if (!parse_uint(m.text, 0x7fffffffUL, &set->maxelem) || set->maxelem == 0) {
		diag_error(d, "bad-value", m.loc, "maxelem '%s' must be a number from 1 to 2147483647", m.text);
		return;
	}
	for (int f = FAM_V4; f <= FAM_V6; f += 2) {
		size_t count = policy_set_count(set, (enum family)f);
		if (count > set->maxelem)
			diag_error(d, "set-too-small", m.loc, "[set %s] has %zu IPv%d entries but maxelem "
				   "is %lu", set->name, count, f, set->maxelem);
	}
}

static void build_scope(struct policy *p, struct scope_policy *sc, const struct msection *s, struct diags *d)
{
	each_item(p, s, "allow", &sc->allow, add_source, d);
	each_item(p, s, "tcp", &sc->tcp, add_port, d);
	each_item(p, s, "udp", &sc->udp, add_port, d);
	if (find_key(s->def, "icmp") >= 0) {
		parse_bool(scalar(s, "icmp"), &sc->icmp, d);
		parse_bool(scalar(s, "from_containers"), &sc->from_containers, d);
	}
}

static bool required(const struct msection *s, const char *key, struct diags *d)
{
	if (s->keys[find_key(s->def, key)].n)
		return true;
	diag_error(d, "missing-key", s->loc, "[%s] needs '%s ='", s->name, key);
	return false;
}

static void build_port(struct policy *p, struct port_allow *pa, const struct msection *s, struct diags *d)
{
	static const char *const scopes[] = {"host", "containers", NULL};
	static const char *const protos[] = {"tcp", "udp", NULL};
	pa->scope = parse_word(scalar(s, "scope"), scopes, d) == 0 ? SCOPE_HOST : SCOPE_CONTAINERS;
	pa->proto = parse_word(scalar(s, "proto"), protos, d) == 1 ? PROTO_UDP : PROTO_TCP;
	if (required(s, "port", d)) {
		struct mval v = scalar(s, "port");
		struct item it = {.text = v.text, .loc = v.loc};
		struct port_list one = {0};
		add_port(p, &one, &it, d);
		if (one.n)
			pa->port = one.v[0];
		pa->port_loc = v.loc;
		free(one.v);
		free(one.locs);
	}
	if (required(s, "allow", d))
		each_item(p, s, "allow", &pa->allow, add_source, d);
}

static void build_user_policy(struct user_policy *up, const struct msection *s, struct diags *d)
{
	struct mval forbid = scalar(s, "forbid"), require = scalar(s, "require");
	if (is_blank(forbid.text) == is_blank(require.text)) {
		diag_error(d, "missing-key", s->loc, "[%s] needs exactly one of 'forbid =' or 'require ='", s->name);
		return;
	}
	up->forbid = is_blank(forbid.text) ? NULL : xstrdup(forbid.text);
	up->require = is_blank(require.text) ? NULL : xstrdup(require.text);
	up->forbid_loc = forbid.loc;
	up->require_loc = require.loc;
	struct mval chain = scalar(s, "chain"), message = scalar(s, "message");
	up->chain = is_blank(chain.text) ? NULL : xstrdup(chain.text);
	up->message = is_blank(message.text) ? NULL : parse_text(message, 200, "message", d);
}

static const struct msection *find_merged(const struct merged *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++) {
		if (strcmp(m->v[i].name, name) == 0)
			return &m->v[i];
	}
	return NULL;
}

/* Sections never written still have their defaults. */
static struct msection defaults_of(const char *kind)
{
	return (struct msection){.name = (char *)kind, .def = find_section_def(kind)};
}

struct policy *policy_build(struct ini_doc *doc, struct diags *d)
{
	size_t errors_before = d->errors;
	struct policy *p = xcalloc(1, sizeof(*p));
	p->doc = doc;
	struct merged *m = merge(doc, d);
	p->merged = m;
	const char *singles[] = {"global", "docker", "host", "containers"};
	struct msection dflt[4];
	const struct msection *single[4];
	for (int i = 0; i < 4; i++) {
		dflt[i] = defaults_of(singles[i]);
		single[i] = find_merged(m, singles[i]);
		if (!single[i])
			single[i] = &dflt[i];
	}
	build_global(p, single[0], d);
	/* sets first: allow lists refer to them */
	for (size_t i = 0; i < m->n; i++) {
		if (strcmp(m->v[i].def->kind, "set") != 0)
			continue;
		struct ipset_def set = {.name = xstrdup(m->v[i].arg), .loc = m->v[i].loc};
		VEC_PUSH(p->sets, p->nsets, p->sets_cap, set);
	}
	for (size_t i = 0, k = 0; i < m->n; i++) {
		if (strcmp(m->v[i].def->kind, "set") == 0)
			build_set(p, &p->sets[k++], &m->v[i], d);
	}
	build_docker(p, single[1], d);
	build_scope(p, &p->host, single[2], d);
	build_scope(p, &p->containers, single[3], d);
	for (size_t i = 0; i < m->n; i++) {
		const struct msection *s = &m->v[i];
		if (strcmp(s->def->kind, "port") == 0) {
			struct port_allow pa = {.name = xstrdup(s->arg), .loc = s->loc};
			build_port(p, &pa, s, d);
			VEC_PUSH(p->ports, p->nports, p->ports_cap, pa);
		} else if (strcmp(s->def->kind, "policy") == 0) {
			struct user_policy up = {.name = xstrdup(s->arg), .loc = s->loc};
			build_user_policy(&up, s, d);
			VEC_PUSH(p->policies, p->npolicies, p->policies_cap, up);
		}
	}
	if (d->errors > errors_before) {
		policy_free(p);
		return NULL;
	}
	return p;
}

static void print_value(FILE *out, const char *key, const char *text, const struct loc *loc)
{
	fprintf(out, "%s = %s", key, text);
	if (loc && loc->src)
		fprintf(out, "   ; %s:%d\n", loc->src->name, loc->line);
	else
		fputs("   ; default\n", out);
}

static void print_section(FILE *out, const struct msection *s)
{
	fprintf(out, "[%s]\n", s->name);
	for (size_t k = 0; k < s->def->nkeys; k++) {
		const struct key_def *kd = &s->def->keys[k];
		const struct mkey *mk = &s->keys[k];
		if (mk->n == 0) {
			if (kd->dflt && kd->dflt[0])
				print_value(out, kd->name, kd->dflt, NULL);
			continue;
		}
		for (size_t i = 0; i < mk->n; i++)
			print_value(out, kd->name, mk->v[i].text, &mk->v[i].loc);
	}
}

void policy_print_config(FILE *out, const struct policy *p)
{
	const struct merged *m = p->merged;
	const char *singles[] = {"global", "docker", "host", "containers"};
	for (int i = 0; i < 4; i++) {
		const struct msection *s = find_merged(m, singles[i]);
		struct msection dflt = defaults_of(singles[i]);
		print_section(out, s ? s : &dflt);
		fputc('\n', out);
	}
	for (size_t i = 0; i < m->n; i++) {
		if (m->v[i].def->named) {
			print_section(out, &m->v[i]);
			fputc('\n', out);
		}
	}
}

void policy_set_name(const struct ipset_def *s, enum family f, char *buf, size_t size)
{
	snprintf(buf, size, "dfw-%s-%d", s->name, f == FAM_V4 ? 4 : 6);
}

size_t policy_set_count(const struct ipset_def *s, enum family f)
{
	return s->count[f == FAM_V6];
}

unsigned long policy_set_maxelem(const struct ipset_def *s, enum family f)
{
	if (s->maxelem)
		return s->maxelem;
	/* ipset's own default, raised in powers of two only for big lists: an existing
	 * set is re-created with -exist, which fails if maxelem changed. */
	unsigned long m = 65536;
	while (m < policy_set_count(s, f))
		m *= 2;
	return m;
}

static void free_sources(struct source_list *l)
{
	free(l->v);
}

static void free_ifaces(struct iface_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	free(l->locs);
}

static void free_merged(struct merged *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		struct msection *s = &m->v[i];
		for (size_t k = 0; k < MAX_KEYS; k++) {
			for (size_t j = 0; j < s->keys[k].n; j++)
				free(s->keys[k].v[j].text);
			free(s->keys[k].v);
		}
		free(s->name);
		free(s->arg);
	}
	free(m->v);
	name_index_free(&m->by_name);
	free(m);
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	free(p->log_prefix);
	free(p->log_limit);
	free_ifaces(&p->bridges);
	free_ifaces(&p->external);
	free(p->subnets);
	free_sources(&p->swarm_peers);
	for (size_t i = 0; i < p->nsets; i++) {
		free(p->sets[i].name);
		free(p->sets[i].entries);
	}
	free(p->sets);
	free_sources(&p->host.allow);
	free(p->host.tcp.v);
	free(p->host.tcp.locs);
	free(p->host.udp.v);
	free(p->host.udp.locs);
	free_sources(&p->containers.allow);
	free(p->containers.tcp.v);
	free(p->containers.tcp.locs);
	free(p->containers.udp.v);
	free(p->containers.udp.locs);
	for (size_t i = 0; i < p->nports; i++) {
		free(p->ports[i].name);
		free_sources(&p->ports[i].allow);
	}
	free(p->ports);
	for (size_t i = 0; i < p->npolicies; i++) {
		struct user_policy *up = &p->policies[i];
		free(up->name);
		free(up->forbid);
		free(up->require);
		free(up->chain);
		free(up->message);
	}
	free(p->policies);
	free_merged(p->merged);
	free(p);
}
