#include "sets.h"

#include "util.h"

#include <stdlib.h>
#include <string.h>

/* The kernel grows a hash set by rehashing every entry each time a bucket
 * fills; starting near the final size makes a big restore about a third faster.
 * Small sets keep ipset's default of 1024. */
static unsigned long hashsize_for(size_t entries)
{
	unsigned long h = 1024;
	while (h < entries / 4)
		h *= 2;
	return h;
}

/* Each set is filled under a temporary name and swapped in: rules that reference
 * the set never see it empty or half-filled, and a set in use is never destroyed. */
/* A set's create arguments after its name, as sets_render writes them. */
static char *set_spec(const struct ipset_def *s, enum family f)
{
	/* -exist ignores hashsize (the kernel resizes), so it may differ from the live set's */
	return xasprintf("%s family %s hashsize %lu maxelem %lu -exist", s->type == SET_HASH_IP ? "hash:ip" : "hash:net",
			 f == FAM_V4 ? "inet" : "inet6", hashsize_for(policy_set_count(s, f)), policy_set_maxelem(s, f));
}

char *sets_render(const struct policy *p)
{
	struct set_blocks bs;
	set_blocks_from_policy(p, &bs);
	char *text = sets_text(&bs);
	set_blocks_free(&bs);
	return text;
}

void set_blocks_from_policy(const struct policy *p, struct set_blocks *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < p->nsets; i++) {
		const struct ipset_def *s = &p->sets[i];
		for (int f = FAM_V4; f <= FAM_V6; f += 2) {
			if (!policy_family_on(p, (enum family)f))
				continue;
			char name[64];
			policy_set_name(s, (enum family)f, name, sizeof(name));
			/* entries are sorted, IPv4 first */
			struct set_block b = {.name = xstrdup(name), .spec = set_spec(s, (enum family)f),
					      .type = xstrdup(s->type == SET_HASH_IP ? "hash:ip" : "hash:net"),
					      .members = s->entries + (f == FAM_V6 ? s->count[0] : 0),
					      .n = policy_set_count(s, (enum family)f), .borrowed = true, .set = s->name,
					      .family = (enum family)f};
			VEC_PUSH(out->v, out->n, out->cap, b);
		}
	}
}

/* ---- dfwgen's own ipset file, typed ---- */

static struct set_block *block_named(struct set_blocks *bs, const char *name, size_t len)
{
	for (size_t i = bs->n; i-- > 0;) { /* the adds follow their create */
		if (strlen(bs->v[i].name) == len && !memcmp(bs->v[i].name, name, len))
			return &bs->v[i];
	}
	return NULL;
}

/* "create NAME SPEC": a new block; the twin's (NAME.n) adds nothing. */
static bool read_create(struct set_blocks *bs, const char *line, size_t len)
{
	const char *name = line + 7, *end = line + len, *sp = memchr(name, ' ', (size_t)(end - name));
	if (!sp || sp == name)
		return false;
	size_t nlen = (size_t)(sp - name);
	if (nlen > IPSET_NAME_MAX)
		return false;
	if (nlen > 2 && !memcmp(sp - 2, ".n", 2))
		return block_named(bs, name, nlen - 2) != NULL;
	const char *spec = sp + 1, *tend = memchr(spec, ' ', (size_t)(end - spec));
	struct set_block b = {.name = xstrndup(name, nlen), .spec = xstrndup(spec, (size_t)(end - spec)),
			      .type = xstrndup(spec, (size_t)((tend ? tend : end) - spec))};
	VEC_PUSH(bs->v, bs->n, bs->cap, b);
	return true;
}

/* "add NAME.n MEMBER -exist" */
static bool read_add(struct set_blocks *bs, const char *line, size_t len)
{
	const char *name = line + 4, *end = line + len, *sp = memchr(name, ' ', (size_t)(end - name));
	if (!sp || sp - name < 3 || memcmp(sp - 2, ".n", 2))
		return false;
	struct set_block *b = block_named(bs, name, (size_t)(sp - 2 - name));
	const char *m = sp + 1, *mend = memchr(m, ' ', (size_t)(end - m));
	char word[ADDR_STRLEN];
	size_t n = (size_t)((mend ? mend : end) - m);
	struct addr a;
	const char *why;
	if (!b || !n || n >= sizeof(word))
		return false;
	memcpy(word, m, n);
	word[n] = '\0';
	if (!addr_parse(word, &a, &why))
		return false;
	VEC_PUSH(b->members, b->n, b->cap, a);
	return true;
}

bool set_blocks_read(const char *text, struct set_blocks *out)
{
	static const char *const skipped[] = {"#", "flush ", "swap ", "destroy "};
	memset(out, 0, sizeof(*out));
	for (const char *line = text; *line;) {
		const char *eol = strchrnul(line, '\n');
		size_t len = (size_t)(eol - line);
		bool ok = str_has_prefix(line, "create ") ? read_create(out, line, len) :
			  str_has_prefix(line, "add ") ? read_add(out, line, len) : false;
		for (size_t i = 0; !ok && i < sizeof(skipped) / sizeof(*skipped); i++)
			ok = str_has_prefix(line, skipped[i]);
		if (!ok) {
			set_blocks_free(out);
			return false;
		}
		line = *eol ? eol + 1 : eol;
	}
	return true;
}

void set_blocks_free(struct set_blocks *bs)
{
	for (size_t i = 0; i < bs->n; i++) {
		free(bs->v[i].name);
		free(bs->v[i].spec);
		free(bs->v[i].type);
		if (!bs->v[i].borrowed)
			free(bs->v[i].members);
	}
	free(bs->v);
	memset(bs, 0, sizeof(*bs));
}

bool set_blocks_has(const struct set_blocks *b, const char *name)
{
	for (size_t i = 0; b && i < b->n; i++) {
		if (!strcmp(b->v[i].name, name))
			return true;
	}
	return false;
}

static void head_lines(const struct set_block *b, bool with_create, struct strbuf *sb)
{
	if (with_create)
		sb_addf(sb, "create %s %s\n", b->name, b->spec);
	sb_addf(sb, "create %s.n %s\nflush %s.n\n", b->name, b->spec, b->name);
}

/* The add lines of members [from, to): each line built in place and
 * appended once, no printf (a million of them). */
static void member_lines(const struct set_block *b, size_t from, size_t to, struct strbuf *sb)
{
	char line[IPSET_NAME_MAX + ADDR_STRLEN + 16];
	int plen = snprintf(line, sizeof(line), "add %s.n ", b->name);
	sb_reserve(sb, (to - from) * ((size_t)plen + ADDR_STRLEN + 8));
	for (size_t i = from; i < to; i++) {
		size_t len = (size_t)plen + addr_format(&b->members[i], line + plen, false);
		memcpy(line + len, " -exist\n", 8);
		sb_addn(sb, line, len + 8);
	}
}

static void swap_lines(const struct set_block *b, struct strbuf *sb)
{
	sb_addf(sb, "swap %s.n %s\ndestroy %s.n\n", b->name, b->name, b->name);
}

void set_block_text(const struct set_block *b, bool with_create, struct strbuf *head, struct strbuf *members,
		    struct strbuf *swaps)
{
	head_lines(b, with_create, head);
	member_lines(b, 0, b->n, members);
	swap_lines(b, swaps);
}

void sets_text_each(const struct set_blocks *bs, void (*out)(void *arg, const char *s, size_t n), void *arg)
{
	enum { CHUNK_MEMBERS = 2048 }; /* about 64 KiB of text */
	struct strbuf chunk = {0};
	for (size_t i = 0; i < bs->n; i++) {
		const struct set_block *b = &bs->v[i];
		sb_addf(&chunk, "# [set %s], IPv%d: %zu entries\n", b->set, b->family, b->n);
		head_lines(b, true, &chunk);
		for (size_t from = 0; from < b->n; from += CHUNK_MEMBERS) {
			member_lines(b, from, b->n - from < CHUNK_MEMBERS ? b->n : from + CHUNK_MEMBERS, &chunk);
			out(arg, chunk.buf, chunk.len);
			sb_truncate(&chunk, 0);
		}
		swap_lines(b, &chunk);
	}
	if (chunk.len)
		out(arg, chunk.buf, chunk.len);
	sb_free(&chunk);
}

static void append(void *arg, const char *s, size_t n)
{
	sb_addn(arg, s, n);
}

char *sets_text(const struct set_blocks *bs)
{
	struct strbuf sb = {0};
	sets_text_each(bs, append, &sb);
	return sb.buf ? sb_steal(&sb) : xstrdup("");
}

static struct set_info *add_info(struct set_catalog *c, const char *name, enum family f, const char *type,
				 unsigned long maxelem, struct loc loc)
{
	struct set_info si = {.name = xstrdup(name), .family = f, .type = xstrdup(type), .maxelem = maxelem, .loc = loc};
	VEC_PUSH(c->v, c->n, c->cap, si);
	return &c->v[c->n - 1];
}

void sets_from_policy(struct set_catalog *c, const struct policy *p)
{
	struct addr *nowhere;
	size_t nnowhere = addr_no_client_ranges(&nowhere, p->subnets, p->nsubnets);
	c->given = true;
	for (size_t i = 0; i < p->nsets; i++) {
		const struct ipset_def *s = &p->sets[i];
		for (int f = FAM_V4; f <= FAM_V6; f += 2) {
			char name[64];
			policy_set_name(s, (enum family)f, name, sizeof(name));
			struct set_info *si = add_info(c, name, (enum family)f, s->type == SET_HASH_IP ? "hash:ip" : "hash:net",
						       policy_set_maxelem(s, (enum family)f), s->loc);
			si->count = policy_set_count(s, (enum family)f);
			si->clients_known = true;
			/* the first one that counts is enough */
			for (size_t e = 0; e < s->nentries && !si->has_client; e++) {
				si->has_client = s->entries[e].family == (enum family)f &&
						 !addr_in_any(&s->entries[e], nowhere, nnowhere);
			}
		}
	}
	free(nowhere);
}

const struct set_info *sets_find(const struct set_catalog *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++) {
		if (!strcmp(c->v[i].name, name))
			return &c->v[i];
	}
	return NULL;
}

static struct set_info *find_mut(struct set_catalog *c, const char *name)
{
	return (struct set_info *)sets_find(c, name);
}

/* The next word of an ipset line that is not one of ipset's options. */
static char *next_word(char **save)
{
	char *w;
	while ((w = strtok_r(NULL, " \t", save)) && (!strcmp(w, "-exist") || !strcmp(w, "-!") ||
						       !strcmp(w, "-quiet") || !strcmp(w, "-q")))
		;
	return w;
}

void sets_parse(struct set_catalog *c, const struct source *src, struct diags *d)
{
	c->given = true;
	for (size_t ln = 1; ln <= src->nlines; ln++) {
		size_t len;
		const char *line = source_line(src, (int)ln, &len);
		char *copy = xstrndup(line, len);
		char *save = NULL;
		char *cmd = strtok_r(copy, " \t", &save);
		struct loc loc = loc_line(src, (int)ln);
		if (!cmd || cmd[0] == '#' || !strcmp(cmd, "COMMIT")) {
			free(copy);
			continue;
		}
		/* ipset's options may stand anywhere: create -exist NAME TYPE (seed 001) */
		char *name = next_word(&save), *arg = next_word(&save);
		if (!strcmp(cmd, "create") || !strcmp(cmd, "-N") || !strcmp(cmd, "n")) {
			if (!name || !arg) {
				diag_error(d, "bad-syntax", loc, "create needs a set name and a type");
			} else if (strlen(name) > IPSET_NAME_MAX) {
				diag_error(d, "bad-name", loc, "set name '%s' is longer than %d characters", name, IPSET_NAME_MAX);
			} else if (!find_mut(c, name)) {
				/* bitmap:port and list:set hold no addresses: no family */
				enum family f = !strncmp(arg, "bitmap:port", 11) || !strncmp(arg, "list:", 5) ? FAM_NONE : FAM_V4;
				unsigned long maxelem = 65536;
				for (char *w; (w = next_word(&save));) {
					if (!strcmp(w, "family")) {
						char *v = next_word(&save);
						f = v && !strcmp(v, "inet6") ? FAM_V6 : FAM_V4;
					} else if (!strcmp(w, "maxelem")) {
						char *v = next_word(&save);
						maxelem = v ? strtoul(v, NULL, 10) : maxelem;
					}
				}
				add_info(c, name, f, arg, maxelem, loc);
			}
		} else if (!strcmp(cmd, "add") || !strcmp(cmd, "-A") || !strcmp(cmd, "a")) {
			struct set_info *si = name ? find_mut(c, name) : NULL;
			struct addr a;
			const char *why;
			if (!si) {
				diag_error(d, "unknown-set", loc, "add to set '%s', which no earlier line creates", name ? name : "");
			} else if (arg && strncmp(si->type, "hash:ip", 7) == 0 && strchr(arg, '/') &&
				   addr_parse(arg, &a, &why) && a.prefix < addr_max_prefix(a.family)) {
				si->has_cidr = true;
				/* hash:ip adds every address of a network */
				si->count += a.family == FAM_V4 && a.prefix >= 8 ? (size_t)1 << (32 - a.prefix) : 1;
			} else {
				si->count++;
			}
		} else if (!strcmp(cmd, "swap") || !strcmp(cmd, "-W") || !strcmp(cmd, "w")) {
			struct set_info *a = name ? find_mut(c, name) : NULL, *b = arg ? find_mut(c, arg) : NULL;
			if (a && b) {
				char *tmp = a->name;
				a->name = b->name;
				b->name = tmp;
			}
		} else if (!strcmp(cmd, "destroy") || !strcmp(cmd, "-X") || !strcmp(cmd, "x")) {
			for (size_t i = 0; i < c->n; i++) {
				if (!name || !strcmp(c->v[i].name, name)) {
					free(c->v[i].name);
					free(c->v[i].type);
					memmove(&c->v[i], &c->v[i + 1], (c->n - i - 1) * sizeof(*c->v));
					c->n--;
					i--;
				}
			}
		} else if (!strcmp(cmd, "flush") || !strcmp(cmd, "-F") || !strcmp(cmd, "f")) {
			struct set_info *si = name ? find_mut(c, name) : NULL;
			if (si) {
				si->count = 0;
				si->has_cidr = false;
			}
		}
		free(copy);
	}
}

void sets_free(struct set_catalog *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].name);
		free(c->v[i].type);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
}
