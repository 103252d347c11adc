#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* ---- the schema: every section and key dfwgen knows, with its default ---- */

#define KEYS(...) (const struct key_def[]){__VA_ARGS__}, sizeof((const struct key_def[]){__VA_ARGS__}) / sizeof(struct key_def)

static const struct section_def sections[] = {
	{"global", false, KEYS({"family", KEY_SCALAR, "both"}, {"action", KEY_SCALAR, "drop"},
			       {"log", KEY_SCALAR, "no"}, {"log_prefix", KEY_SCALAR, "\"dfwgen: \""},
			       {"log_limit", KEY_SCALAR, "5/minute"}, {"ssh_port", KEY_SCALAR, "22"})},
	{"docker", false, KEYS({"bridges", KEY_LIST, "docker0, docker_gwbridge, br-+"},
			       {"subnets", KEY_LIST, "172.17.0.0/16, 172.18.0.0/16"},
			       {"external", KEY_LIST, ""}, {"swarm", KEY_SCALAR, "no"},
			       {"swarm_peers", KEY_LIST, ""}, {"swarm_data_port", KEY_SCALAR, "4789"},
			       {"swarm_manager_port", KEY_SCALAR, "2377"})},
	{"set", true, KEYS({"type", KEY_SCALAR, "hash:net"}, {"entries", KEY_LIST, ""},
			   {"file", KEY_LIST, ""}, {"maxelem", KEY_SCALAR, ""}, {"interfaces", KEY_LIST, ""})},
	{"host", false, KEYS({"allow", KEY_LIST, ""}, {"tcp", KEY_LIST, ""}, {"udp", KEY_LIST, ""},
			     {"icmp", KEY_SCALAR, "yes"}, {"from_containers", KEY_SCALAR, "yes"})},
	{"containers", false, KEYS({"allow", KEY_LIST, ""}, {"tcp", KEY_LIST, ""}, {"udp", KEY_LIST, ""})},
	{"port", true, KEYS({"scope", KEY_SCALAR, "containers"}, {"proto", KEY_SCALAR, "tcp"},
			    {"port", KEY_LIST, NULL}, {"allow", KEY_LIST, NULL})},
	{"policy", true, KEYS({"forbid", KEY_SCALAR, ""}, {"require", KEY_SCALAR, ""},
			      {"chain", KEY_SCALAR, ""}, {"message", KEY_SCALAR, ""})},
	{"limit", true, KEYS({"scope", KEY_SCALAR, "host"}, {"proto", KEY_SCALAR, "tcp"},
			     {"port", KEY_LIST, NULL}, {"rate", KEY_SCALAR, NULL}, {"burst", KEY_SCALAR, ""})},
	{"egress", true, KEYS({"from", KEY_LIST, ""}, {"to", KEY_LIST, NULL}, {"proto", KEY_SCALAR, "tcp"},
			      {"port", KEY_LIST, ""})},
};
#define NSECTIONS (sizeof(sections) / sizeof(sections[0]))

/* ---- the merged view ---- */

static const char *section_name_at(const void *v, size_t i)
{
	return ((const struct csection *)v)[i].name;
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
static struct csection *section_for(struct config *m, const char *name, struct loc loc, struct diags *d)
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
			   "[containers] [port NAME] [limit NAME] [egress NAME] [policy NAME]", name);
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
	struct csection s = {.name = xasprintf("%s%s%s", def->kind, arg ? " " : "", arg ? arg : ""),
			     .arg = arg ? xstrdup(arg) : NULL, .def = def, .loc = loc};
	free(copy);
	VEC_PUSH(m->v, m->n, m->cap, s);
	name_index_add(&m->by_name, m->n, section_name_at, m->v);
	return &m->v[m->n - 1];
}

bool text_blank(const char *s)
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

/* Where a comment the user meant stands inside a value: libinih takes
 * inline comments only after ';' ("tcp = 22, 9999  # ssh" keeps "# ssh"),
 * and not at all on an indented line that continues a list. */
static const char *inline_comment(const struct ini_entry *e)
{
	for (const char *c = e->value; *c; c++) {
		if ((*c == '#' || (*c == ';' && e->continuation)) &&
		    (c == e->value || isspace((unsigned char)c[-1])))
			return c;
	}
	return NULL;
}

/* Said at the comment, for the keys whose values never hold '#' or ';'
 * ([policy] regexes and the log prefix may). */
static bool comment_in_value(const struct csection *s, const struct key_def *kd, const struct ini_entry *e,
			     struct diags *d)
{
	if (!strcmp(s->def->kind, "policy") || !strcmp(kd->name, "log_prefix"))
		return false;
	const char *c = inline_comment(e);
	if (!c)
		return false;
	int col = e->loc.col + (int)(c - e->value);
	struct loc at = loc_span(e->loc.src, e->loc.line, col, (int)strlen(c));
	if (*c == ';')
		diag_error(d, "ini-syntax", at, "'%s' is read as part of the value of '%s': libinih strips no "
			   "comment from an indented line that continues a list; put the comment on a line of its own", c,
			   e->key);
	else
		diag_error(d, "ini-syntax", at, "'%s' is read as part of the value of '%s': an inline comment starts "
			   "with ';' (a line of its own may start with '#')", c, e->key);
	return true;
}

static void merge_value(struct csection *s, const struct ini_entry *e, struct diags *d)
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
	struct ckey *mk = &s->keys[k];
	if (e->continuation && looks_like_assignment(e->value)) {
		diag_error(d, "ini-syntax", e->loc, "this indented line is read as more values for '%s' "
			   "(libinih joins indented lines to the key above); remove the indentation", e->key);
		return;
	}
	if (kd->kind == KEY_SCALAR) {
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
	} else if (text_blank(e->value)) {
		for (size_t i = 0; i < mk->n; i++)
			free(mk->v[i].text);
		mk->n = 0; /* an empty value resets a list */
	}
	if (comment_in_value(s, kd, e, d))
		return;
	struct cvalue v = {.text = xstrdup(e->value), .loc = e->loc, .continuation = e->continuation};
	if (e->continuation && mk->n)
		mk->v[mk->n - 1].continued = true;
	VEC_PUSH(mk->v, mk->n, mk->cap, v);
}

struct config *config_merge(const struct ini_doc *doc, struct diags *d)
{
	struct config *m = xcalloc(1, sizeof(*m));
	struct csection *cur = NULL;
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

/* ---- values ---- */

/* Splits a list value at its commas; each item is located at its own column. */
void items_split(const struct cvalue *v, struct items *out, struct diags *d)
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
		/* a list may go on on an indented line: "a," then "  b" (or "a" then "  , b") */
		bool joint = (!comma && v->continued && seg > v->text) || (seg == v->text && comma && v->continuation);
		if (text[0])
			VEC_PUSH(out->v, out->n, cap, ((struct item){.text = text, .loc = loc}));
		else if (!joint)
			diag_error(d, "empty-item", loc, "empty list item (two commas in a row, or a "
				   "comma at the start or end)");
		if (!comma)
			break;
		seg = comma + 1;
	}
}

void items_free(struct items *it)
{
	free(it->v);
	free_list(it->parts, it->nparts);
}

const struct cvalue *config_list(const struct csection *s, const char *key, struct cvalue *dflt, size_t *n)
{
	int k = find_key(s->def, key);
	if (s->keys[k].n) {
		*n = s->keys[k].n;
		return s->keys[k].v;
	}
	*dflt = (struct cvalue){.text = (char *)s->def->keys[k].dflt};
	*n = dflt->text ? 1 : 0;
	return dflt;
}

bool config_has_key(const struct csection *s, const char *key)
{
	return find_key(s->def, key) >= 0;
}

bool config_written(const struct csection *s, const char *key)
{
	return s->keys[find_key(s->def, key)].n > 0;
}

/* The one value of a scalar key: the user's, or the schema default. */
struct cvalue config_scalar(const struct csection *s, const char *key)
{
	int k = find_key(s->def, key);
	if (s->keys[k].n)
		return s->keys[k].v[s->keys[k].n - 1];
	return (struct cvalue){.text = (char *)s->def->keys[k].dflt};
}

const struct csection *config_section(const struct config *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++) {
		if (strcmp(m->v[i].name, name) == 0)
			return &m->v[i];
	}
	return NULL;
}

/* Sections never written still have their defaults. */
struct csection config_defaults(const char *kind)
{
	return (struct csection){.name = (char *)kind, .def = find_section_def(kind)};
}

static void print_value(FILE *out, const char *key, const char *text, const struct loc *loc)
{
	fprintf(out, "%s = %s", key, text);
	if (loc && loc->src)
		fprintf(out, "   ; %s:%d\n", loc->src->name, loc->line);
	else
		fputs("   ; default\n", out);
}

static void print_section(FILE *out, const struct csection *s)
{
	fprintf(out, "[%s]\n", s->name);
	for (size_t k = 0; k < s->def->nkeys; k++) {
		const struct key_def *kd = &s->def->keys[k];
		const struct ckey *mk = &s->keys[k];
		if (mk->n == 0) {
			if (kd->dflt && kd->dflt[0])
				print_value(out, kd->name, kd->dflt, NULL);
			continue;
		}
		for (size_t i = 0; i < mk->n; i++)
			print_value(out, kd->name, mk->v[i].text, &mk->v[i].loc);
	}
}

void config_print(FILE *out, const struct config *m)
{
	const char *singles[] = {"global", "docker", "host", "containers"};
	for (int i = 0; i < 4; i++) {
		const struct csection *s = config_section(m, singles[i]);
		struct csection dflt = config_defaults(singles[i]);
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

void config_free(struct config *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		struct csection *s = &m->v[i];
		for (size_t k = 0; k < SECTION_KEYS_MAX; k++) {
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

