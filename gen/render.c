#include "render.h"

#include "tenv.h"

#include "util.h"

#include <stdlib.h>
#include <string.h>

/* ---- template lines ---- */

struct ref {
	size_t start, end; /* byte span of "{{...}}" in the line */
	size_t var, field;
};

static bool find_var(const struct tenv *e, const char *name, size_t nlen, const char *field, size_t flen,
		     size_t *vi, size_t *fi)
{
	for (size_t i = 0; i < e->n; i++) {
		if (strlen(e->v[i].name) != nlen || strncmp(e->v[i].name, name, nlen))
			continue;
		*vi = i;
		for (size_t k = 0; e->v[i].fields[k]; k++) {
			if (strlen(e->v[i].fields[k]) == flen && !strncmp(e->v[i].fields[k], field, flen)) {
				*fi = k;
				return true;
			}
		}
		/* if_* lists have no fields: {{if_x}} stands for nothing */
		if (!e->v[i].fields[0] && flen == 0) {
			*fi = 0;
			return true;
		}
		return false;
	}
	*vi = (size_t)-1;
	return false;
}

static bool parse_refs(const struct tenv *e, const struct source *src, int ln, const char *line, size_t len,
		       struct ref **refs, size_t *nrefs, struct diags *d)
{
	size_t cap = 0;
	*refs = NULL;
	*nrefs = 0;
	for (size_t i = 0; i + 1 < len; i++) {
		if (line[i] != '{' || line[i + 1] != '{')
			continue;
		const char *close = NULL;
		for (size_t k = i + 2; k + 1 < len; k++) {
			if (line[k] == '}' && line[k + 1] == '}') {
				close = line + k;
				break;
			}
		}
		if (!close) {
			diag_error(d, "template-syntax", loc_span(src, ln, (int)i + 1, (int)(len - i)),
				   "placeholder is not closed with '}}'");
			free(*refs);
			return false;
		}
		const char *name = line + i + 2;
		size_t total = (size_t)(close - name);
		const char *dot = memchr(name, '.', total);
		size_t nlen = dot ? (size_t)(dot - name) : total;
		const char *field = dot ? dot + 1 : "";
		size_t flen = dot ? total - nlen - 1 : 0;
		struct ref r = {.start = i, .end = (size_t)(close - line) + 2};
		if (!find_var(e, name, nlen, field, flen, &r.var, &r.field)) {
			struct loc at = loc_span(src, ln, (int)i + 1, (int)(r.end - i));
			if (r.var == (size_t)-1)
				diag_error(d, "template-unknown", at, "unknown placeholder '%.*s' (README lists them)", (int)total, name);
			else
				diag_error(d, "template-unknown", at, "'%.*s' has no field '%.*s'", (int)nlen, name, (int)flen, field);
			free(*refs);
			return false;
		}
		VEC_PUSH(*refs, *nrefs, cap, r);
		i = r.end - 1;
	}
	return true;
}

/* Collapses runs of blanks outside quotes (an empty value leaves two). */
static void add_collapsed(struct strbuf *out, const char *s)
{
	bool quoted = false, blank = false;
	size_t start = out->len;
	for (; *s; s++) {
		if (*s == '"')
			quoted = !quoted;
		if (!quoted && (*s == ' ' || *s == '\t')) {
			blank = true;
			continue;
		}
		if (blank && out->len > start)
			sb_addc(out, ' ');
		blank = false;
		sb_addc(out, *s);
	}
	sb_addc(out, '\n');
}

/* A template pass: its environment, and for the guard pass the chain its
 * lines are moved to. */
struct pass {
	const struct tenv *env;
	const char *chain;   /* NULL: the lines stay where the template puts them */
};

static void emit_line(struct rendered *out, struct strbuf *sb, const char *text, struct line_origin origin)
{
	add_collapsed(sb, text);
	if (!out)
		return;
	out->origin = xrealloc(out->origin, (out->norigin + 1) * sizeof(*out->origin));
	out->origin[out->norigin++] = origin;
}

static void expand(const struct pass *ps, const char *line, size_t len, const struct ref *refs, size_t nrefs,
		   struct rendered *out, struct strbuf *sb, struct loc tmpl)
{
	const struct tenv *e = ps->env;
	/* the distinct lists of the line and an odometer over their rows */
	size_t lists[16], nl = 0, pos[16] = {0};
	for (size_t i = 0; i < nrefs; i++) {
		size_t k;
		for (k = 0; k < nl && lists[k] != refs[i].var; k++)
			;
		if (k == nl && nl < 16)
			lists[nl++] = refs[i].var;
		if (e->v[refs[i].var].nrows == 0)
			return;
	}
	for (;;) {
		struct strbuf l = {0};
		size_t at = 0;
		for (size_t i = 0; i < nrefs; i++) {
			const struct tvar *v = &e->v[refs[i].var];
			size_t k;
			for (k = 0; lists[k] != refs[i].var; k++)
				;
			sb_addn(&l, line + at, refs[i].start - at);
			if (v->fields[0])
				sb_add(&l, v->cells[pos[k] * tvar_fields(v) + refs[i].field]);
			at = refs[i].end;
		}
		sb_addn(&l, line + at, len - at);
		const char *text = l.buf ? l.buf : "";
		char *moved = NULL;
		if (ps->chain) {
			/* containers.rules appends to DOCKER-USER (checked when the template is read) */
			text += strspn(text, " \t") + strlen("-A " CONTAINER_CHAIN);
			text = moved = xasprintf("-A %s%s", ps->chain, text);
		}
		struct line_origin origin = {.tmpl = tmpl};
		for (size_t k = 0; k < nl && !origin.config.src; k++) {
			const struct tvar *v = &e->v[lists[k]];
			origin.config = v->at[pos[k]];
		}
		emit_line(out, sb, text, origin);
		free(moved);
		sb_free(&l);
		size_t k = nl;
		while (k-- > 0) {
			if (++pos[k] < e->v[lists[k]].nrows)
				break;
			pos[k] = 0;
		}
		if (k == (size_t)-1)
			return;
	}
}

/* Whether a template line appends to DOCKER-USER: only those can be moved
 * into the guard chain. */
static bool appends_to_container_chain(const char *line, size_t len)
{
	static const char want[] = "-A " CONTAINER_CHAIN;
	size_t n = sizeof(want) - 1;
	return len > n && !memcmp(line, want, n) && (line[n] == ' ' || line[n] == '\t');
}

static bool render_template(const struct pass *ps, const char *dir, const char *file, struct rendered *out,
			    struct strbuf *sb, struct diags *d)
{
	const struct tenv *e = ps->env;
	char *path = xasprintf("%s/%s", dir, file);
	struct source *src = source_load(path, (struct loc){0}, d);
	free(path);
	if (!src)
		return false;
	out->templates = xrealloc(out->templates, (out->ntemplates + 1) * sizeof(*out->templates));
	out->templates[out->ntemplates++] = src;
	bool ok = true;
	for (size_t ln = 1; ln <= src->nlines; ln++) {
		size_t len;
		const char *line = source_line(src, (int)ln, &len);
		size_t i = 0;
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i == len || line[i] == '#')
			continue;
		if (ps->chain && !appends_to_container_chain(line + i, len - i)) {
			diag_error(d, "template-syntax", loc_span(src, (int)ln, (int)i + 1, (int)(len - i)),
				   "every line of %s must append to " CONTAINER_CHAIN " (-A " CONTAINER_CHAIN " ...): "
				   "dfwgen repeats these rules in the %s table's " GUARD_CHAIN " chain", file, GUARD_TABLE);
			ok = false;
			continue;
		}
		struct ref *refs;
		size_t nrefs;
		if (!parse_refs(e, src, (int)ln, line, len, &refs, &nrefs, d)) {
			ok = false;
			continue;
		}
		expand(ps, line, len, refs, nrefs, out, sb, loc_line(src, (int)ln));
		free(refs);
	}
	return ok;
}

/* Leaves exactly one unconditional jump from `from` to `to`, as its first rule. */
static void fix_jump(struct rendered *out, struct strbuf *sb, struct fw_state *live, const char *table,
		     const char *from, const char *to)
{
	struct chain_state *c = live ? state_chain(live, table, from) : NULL;
	char *plain = xasprintf("-j %s", to);
	size_t jumps = 0;
	bool first_ok = false;
	for (size_t i = 0; c && i < c->n; i++) {
		const struct rule *r = c->rules[i];
		if (r->target && !strcmp(r->target, to)) {
			jumps++;
			first_ok |= i == 0 && rule_spec_is(r, plain);
		}
	}
	free(plain);
	if (jumps == 1 && first_ok)
		return;
	for (size_t i = 0; c && i < c->n; i++) {
		const struct rule *r = c->rules[i];
		if (r->target && !strcmp(r->target, to)) {
			char *line = xasprintf("-D %s %.*s", from, (int)r->spec_len, r->spec);
			emit_line(out, sb, line, (struct line_origin){0});
			free(line);
		}
	}
	char *line = xasprintf("-I %s 1 -j %s", from, to);
	emit_line(out, sb, line, (struct line_origin){0});
	free(line);
}

bool render_rules(const struct policy *p, enum family f, const char *template_dir,
		  struct fw_state *live, struct rendered *out, struct diags *d)
{
	struct tenv e = {0}, guard_env = {0};
	struct strbuf sb = {0};
	memset(out, 0, sizeof(*out));
	tenv_build(&e, p, f, false);
	tenv_build(&guard_env, p, f, true);
	struct pass plain = {.env = &e}, guard = {.env = &guard_env, .chain = GUARD_CHAIN};
	char *head = xasprintf("# dfwgen: IPv%d rules for %s --noflush (load dfwgen's ipsets first)",
			       f, f == FAM_V4 ? "iptables-restore" : "ip6tables-restore");
	emit_line(out, &sb, head, (struct line_origin){0});
	free(head);
	/* its -D/-I jump lines fit the tables of this moment: loaded twice, or
	 * restored at boot without --noflush, it would be wrong */
	emit_line(out, &sb, "# dfwgen: for the tables as they are now: regenerate it every time, never save it for boot "
		  "(dfwgen apply and dfwgen.service keep it in force)", (struct line_origin){0});
	/* the guard first: it closes published ports whatever filter FORWARD holds */
	emit_line(out, &sb, "*" GUARD_TABLE, (struct line_origin){0});
	emit_line(out, &sb, ":" GUARD_CHAIN " - [0:0]", (struct line_origin){0});
	bool guard_ok = render_template(&guard, template_dir, "containers.rules", out, &sb, d);
	fix_jump(out, &sb, live, GUARD_TABLE, "FORWARD", GUARD_CHAIN);
	emit_line(out, &sb, "COMMIT", (struct line_origin){0});
	emit_line(out, &sb, "*filter", (struct line_origin){0});
	emit_line(out, &sb, ":" HOST_CHAIN " - [0:0]", (struct line_origin){0});
	emit_line(out, &sb, ":" CONTAINER_CHAIN " - [0:0]", (struct line_origin){0});
	bool ok = render_template(&plain, template_dir, "host.rules", out, &sb, d);
	/* a broken containers.rules was reported by the guard pass already */
	ok &= guard_ok && render_template(&plain, template_dir, "containers.rules", out, &sb, d);
	fix_jump(out, &sb, live, "filter", "INPUT", HOST_CHAIN);
	fix_jump(out, &sb, live, "filter", "FORWARD", CONTAINER_CHAIN);
	emit_line(out, &sb, "COMMIT", (struct line_origin){0});
	tenv_free(&e);
	tenv_free(&guard_env);
	out->text = sb_steal(&sb);
	return ok;
}

char *render_attach(const char *body, struct fw_state *live)
{
	struct strbuf sb = {0};
	const char *table = "";
	for (const char *line = body ? body : ""; *line;) {
		const char *nl = strchrnul(line, '\n');
		size_t len = (size_t)(nl - line);
		if (len && line[0] == '*')
			table = line + 1;
		if (len == 6 && !strncmp(line, "COMMIT", 6)) {
			if (!strncmp(table, GUARD_TABLE "\n", strlen(GUARD_TABLE) + 1))
				fix_jump(NULL, &sb, live, GUARD_TABLE, "FORWARD", GUARD_CHAIN);
			else if (!strncmp(table, "filter\n", 7)) {
				/* Docker's own RETURN at the end of DOCKER-USER stays Docker's */
				struct chain_state *du = live ? state_chain(live, "filter", CONTAINER_CHAIN) : NULL;
				if (du && du->n && rule_spec_is(du->rules[du->n - 1], "-j RETURN") &&
				    strstr(body, "\n:" CONTAINER_CHAIN " "))
					sb_add(&sb, "-A " CONTAINER_CHAIN " -j RETURN\n");
				fix_jump(NULL, &sb, live, "filter", "INPUT", HOST_CHAIN);
				fix_jump(NULL, &sb, live, "filter", "FORWARD", CONTAINER_CHAIN);
			}
		}
		sb_addn(&sb, line, len);
		sb_addc(&sb, '\n');
		line = *nl ? nl + 1 : nl;
	}
	return sb.buf ? sb_steal(&sb) : xstrdup("");
}

static struct table_state *find_table(struct fw_state *st, const char *name)
{
	for (size_t i = 0; st && i < st->n; i++) {
		if (!strcmp(st->tables[i].name, name))
			return &st->tables[i];
	}
	return NULL;
}

/* -D lines for every jump to `chain` in the table, then the chain's removal. */
static void detach_chain(struct strbuf *sb, struct table_state *t, const char *chain)
{
	bool exists = false;
	for (size_t c = 0; t && c < t->n; c++) {
		struct chain_state *cs = &t->chains[c];
		exists |= !strcmp(cs->name, chain);
		for (size_t i = 0; i < cs->n; i++) {
			const struct rule *r = cs->rules[i];
			if (r->target && !strcmp(r->target, chain))
				sb_addf(sb, "-D %s %.*s\n", cs->name, (int)r->spec_len, r->spec);
		}
	}
	if (exists)
		sb_addf(sb, "-F %s\n-X %s\n", chain, chain);
}

char *render_detach(struct fw_state *live, bool (*ours)(const struct rule *r, void *arg), void *arg)
{
	struct strbuf sb = {0};
	struct table_state *mangle = find_table(live, GUARD_TABLE), *filter = find_table(live, "filter");
	sb_add(&sb, "*" GUARD_TABLE "\n");
	detach_chain(&sb, mangle, GUARD_CHAIN);
	sb_add(&sb, "COMMIT\n*filter\n");
	detach_chain(&sb, filter, HOST_CHAIN);
	/* DOCKER-USER, its RETURN and FORWARD's jump to it are Docker's: only
	 * dfwgen's rules go */
	struct chain_state *du = live ? state_chain(live, "filter", CONTAINER_CHAIN) : NULL;
	for (size_t i = 0; du && i < du->n; i++) {
		if (ours(du->rules[i], arg))
			sb_addf(&sb, "-D " CONTAINER_CHAIN " %.*s\n", (int)du->rules[i]->spec_len, du->rules[i]->spec);
	}
	sb_add(&sb, "COMMIT\n");
	return sb_steal(&sb);
}

char *render_fail_closed(enum family f, unsigned ssh_port)
{
	struct strbuf sb = {0};
	const char *c = "-m comment --comment \"dfwgen: fail-closed\"";
	sb_addf(&sb, "*" GUARD_TABLE "\n:" GUARD_CHAIN " - [0:0]\n"
		"-A " GUARD_CHAIN " -m conntrack --ctstate RELATED,ESTABLISHED %s -j RETURN\n"
		"-A " GUARD_CHAIN " %s -j DROP\nCOMMIT\n", c, c);
	sb_addf(&sb, "*filter\n:" HOST_CHAIN " - [0:0]\n:" CONTAINER_CHAIN " - [0:0]\n"
		"-A " HOST_CHAIN " -m conntrack --ctstate RELATED,ESTABLISHED %s -j ACCEPT\n"
		"-A " HOST_CHAIN " -i lo %s -j ACCEPT\n", c, c);
	if (f == FAM_V6)
		sb_addf(&sb, "-A " HOST_CHAIN " -p ipv6-icmp %s -j ACCEPT\n", c);
	if (ssh_port)
		sb_addf(&sb, "-A " HOST_CHAIN " -p tcp -m tcp --dport %u %s -j ACCEPT\n", ssh_port, c);
	sb_addf(&sb, "-A " HOST_CHAIN " %s -j DROP\n"
		"-A " CONTAINER_CHAIN " -m conntrack --ctstate RELATED,ESTABLISHED %s -j RETURN\n"
		"-A " CONTAINER_CHAIN " %s -j DROP\nCOMMIT\n", c, c, c);
	return sb_steal(&sb);
}

void rendered_free(struct rendered *r)
{
	free(r->text);
	free(r->origin);
	for (size_t i = 0; i < r->ntemplates; i++)
		source_free(r->templates[i]);
	free(r->templates);
	memset(r, 0, sizeof(*r));
}

const struct dfw_chain dfw_chains[DFW_CHAINS] = {
	{"filter", HOST_CHAIN, "INPUT"},
	{"filter", CONTAINER_CHAIN, "FORWARD"},
	{GUARD_TABLE, GUARD_CHAIN, "FORWARD"},
};

bool rule_has_dfwgen_comment(const struct rule *r)
{
	const struct rule_opt *o = rule_option(r, "comment", "--comment");
	const char *c = o ? rule_arg(r, o, 0) : NULL;
	if (c && *c == '"')
		c++;
	return c && !strncmp(c, "dfwgen:", 7);
}
