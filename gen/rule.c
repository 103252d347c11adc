#include "rule.h"

#include "util.h"

#include <stdlib.h>
#include <string.h>

struct loc rule_tok_loc(const struct rule *r, int i)
{
	if (i < 0 || (size_t)i >= r->ntok)
		return r->loc;
	return loc_span(r->loc.src, r->loc.line, r->tok[i].col, r->tok[i].len);
}


bool rule_same_spec(const struct rule *a, const struct rule *b)
{
	return a->spec && b->spec && a->spec_len == b->spec_len && !memcmp(a->spec, b->spec, a->spec_len);
}

bool rule_spec_is(const struct rule *r, const char *spec)
{
	size_t n = strlen(spec);
	return r->spec && r->spec_len == n && !memcmp(r->spec, spec, n);
}

char *rule_canonical(const struct rule *r)
{
	return xasprintf("-A %s %.*s", r->chain ? r->chain : "?", (int)r->spec_len, r->spec ? r->spec : "");
}


const struct rule_opt *rule_option(const struct rule *r, const char *module, const char *name)
{
	for (size_t i = 0; i < r->nm; i++) {
		if (module && strcmp(r->m[i].module, module))
			continue;
		for (size_t k = 0; k < r->m[i].nopts; k++) {
			if (!strcmp(r->m[i].opts[k].name, name))
				return &r->m[i].opts[k];
		}
	}
	for (size_t k = 0; !module && k < r->ntopts; k++) {
		if (!strcmp(r->topts[k].name, name))
			return &r->topts[k];
	}
	return NULL;
}

const char *rule_arg(const struct rule *r, const struct rule_opt *o, int i)
{
	if (!o || i >= o->nargs)
		return NULL;
	return rule_word(r, o->arg + i);
}

bool rule_has_module(const struct rule *r, const char *module)
{
	for (size_t i = 0; i < r->nm; i++) {
		if (!strcmp(r->m[i].module, module))
			return true;
	}
	return false;
}

/* ---- a normalised key: equal for rules iptables-save prints differently ---- */

static int str_order(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Keys are built for every rule of dfwgen's chains several times an apply:
 * plain appends, no printf. */
static void add2(struct strbuf *sb, const char *a, const char *b)
{
	sb_add(sb, a);
	sb_add(sb, b);
}

static char *option_key(const struct rule *r, const struct rule_opt *o)
{
	struct strbuf sb = {0};
	add2(&sb, o->neg ? "!" : "", o->name);
	sb_addc(&sb, '=');
	for (int i = 0; i < o->nargs; i++) {
		const char *a = rule_arg(r, o, i), *slash = strchr(a, '/');
		if (!strcmp(o->name, "--ctstate") || !strcmp(o->name, "--state")) {
			char **items; /* a set of states: order does not matter */
			size_t n = split_list(a, &items);
			qsort(items, n, sizeof(*items), str_order);
			for (size_t k = 0; k < n; k++)
				add2(&sb, k ? "," : "", items[k]);
			free_list(items, n);
		} else if ((!strcmp(o->name, "--limit") || !strcmp(o->name, "--hashlimit-above") ||
			    !strcmp(o->name, "--hashlimit-upto")) && slash) {
			/* 5/minute, 5/min and 5/m are one rate */
			sb_addn(&sb, a, (size_t)(slash - a) + 1);
			sb_addn(&sb, slash + 1, slash[1] ? 1 : 0);
		} else {
			add2(&sb, i ? " " : "", a);
		}
	}
	return sb_steal(&sb);
}

/* "[!]KEY=VALUE;" */
static void add_field(struct strbuf *sb, bool neg, const char *key, const char *value)
{
	add2(sb, neg ? "!" : "", key);
	add2(sb, value, ";");
}

char *rule_key(const struct rule *r)
{
	struct strbuf sb = {0};
	char buf[ADDR_STRLEN];
	if (r->proto)
		add_field(&sb, r->proto_neg, "p=", r->proto);
	if (r->has_src) {
		addr_format(&r->src, buf, true);
		add_field(&sb, r->src_neg, "s=", r->src_list ? rule_word(r, r->src_tok) : buf);
	}
	if (r->has_dst) {
		addr_format(&r->dst, buf, true);
		add_field(&sb, r->dst_neg, "d=", r->dst_list ? rule_word(r, r->dst_tok) : buf);
	}
	if (r->in_if)
		add_field(&sb, r->in_neg, "i=", r->in_if);
	if (r->out_if)
		add_field(&sb, r->out_neg, "o=", r->out_if);
	/* matches in any order, each with its options in any order */
	char **ms = xcalloc(r->nm + 1, sizeof(*ms));
	for (size_t i = 0; i < r->nm; i++) {
		char **os = xcalloc(r->m[i].nopts + 1, sizeof(*os));
		for (size_t k = 0; k < r->m[i].nopts; k++)
			os[k] = option_key(r, &r->m[i].opts[k]);
		qsort(os, r->m[i].nopts, sizeof(*os), str_order);
		struct strbuf m = {0};
		add2(&m, "m=", r->m[i].module);
		for (size_t k = 0; k < r->m[i].nopts; k++)
			add2(&m, " ", os[k]);
		free_list(os, r->m[i].nopts);
		ms[i] = sb_steal(&m);
	}
	qsort(ms, r->nm, sizeof(*ms), str_order);
	for (size_t i = 0; i < r->nm; i++)
		add2(&sb, ms[i], ";");
	free_list(ms, r->nm);
	add2(&sb, r->is_goto ? "g=" : "j=", r->target ? r->target : "");
	for (size_t k = 0; k < r->ntopts; k++) {
		char *o = option_key(r, &r->topts[k]);
		add2(&sb, " ", o);
		free(o);
	}
	return sb_steal(&sb);
}

