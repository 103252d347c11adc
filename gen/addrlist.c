#include "addrlist.h"

#include "members.h"
#include "state.h"

#include <ctype.h>
#include <endian.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>

/* ---- one entry ---- */

bool set_entry_fits(const struct ipset_def *set, const struct addr *a)
{
	return a->prefix != 0 && (set->type != SET_HASH_IP || a->prefix == addr_max_prefix(a->family));
}

void set_report_unfit(const struct ipset_def *set, const struct addr *a, const struct item *it, struct diags *d)
{
	if (a->prefix == 0)
		diag_error(d, "bad-address", it->loc, "'%s' is every address, which no ipset can hold (ipset "
			   "restore fails on it); to let everyone in, make the port public instead", it->text);
	else
		diag_error(d, "bad-address", it->loc, "'%s' is a network, but [set %s] is hash:ip, "
			   "which would add every address in it one by one; use type = hash:net",
			   it->text, set->name);
}

/* ---- list files ---- */

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
	if (set_entry_fits(set, &a))
		VEC_PUSH(set->entries, set->nentries, set->cap, a);
	else if (show_bad(t, it->loc))
		set_report_unfit(set, &a, it, d);
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

/* What the quick path made of a list line. */
enum quick { QUICK_ENTRY, QUICK_NONE, QUICK_OFF, QUICK_SLOW };

/* A list line read without the copies the reporting path makes: an entry,
 * nothing (blank, comment), an address of a family the config leaves out
 * (counted, its place kept in *at), or a line that path must look at. */
static enum quick quick_entry(const struct policy *p, const struct ipset_def *set, const struct source *src,
			      size_t ln, struct addr *a, struct loc *at)
{
	char word[128]; /* longer than any address */
	const char *line, *why;
	size_t len, start, n;
	if (!list_word(src, ln, &line, &len, &start, &n))
		return QUICK_NONE;
	if (n >= sizeof(word) || memchr(line, '\0', len))
		return QUICK_SLOW;
	memcpy(word, line + start, n);
	word[n] = '\0';
	if (!addr_parse(word, a, &why))
		return QUICK_SLOW;
	if (!policy_family_on(p, a->family)) {
		*at = loc_span(src, (int)ln, (int)start + 1, (int)n);
		return QUICK_OFF;
	}
	return set_entry_fits(set, a) ? QUICK_ENTRY : QUICK_SLOW;
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

void addrlist_read(struct policy *p, struct ipset_def *set, const struct item *it, struct diags *d)
{
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
	source_keep(p->store, src);
	if (set->cap < set->nentries + src->nlines) {
		/* at most one entry a line: room reserved once, never copied while it grows */
		set->cap = set->nentries + src->nlines;
		set->entries = xrealloc(set->entries, set->cap * sizeof(*set->entries));
	}
	struct list_tally tally = {0};
	for (size_t ln = 1; ln <= src->nlines; ln++) {
		struct loc at;
		switch (quick_entry(p, set, src, ln, &set->entries[set->nentries], &at)) {
		case QUICK_ENTRY:
			set->nentries++;
			break;
		case QUICK_OFF: {
			int f = set->entries[set->nentries].family == FAM_V6;
			if (!tally.ignored[f]++)
				tally.first_ignored[f] = at;
			break;
		}
		case QUICK_SLOW:
			add_list_line(p, set, src, ln, &tally, d);
			break;
		case QUICK_NONE:
			break;
		}
	}
	report_list_tally(&tally, src, d);
}

/* Sorted (IPv4 first) and without repeats: stable output, and the count ipset
 * will really hold. */
void set_sort_unique(struct ipset_def *set)
{
	set->nentries = members_sort_unique(set->entries, set->nentries, &set->count[0]);
	set->count[1] = set->nentries - set->count[0];
}

