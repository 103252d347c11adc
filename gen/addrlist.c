#include "addrlist.h"

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

/* ---- sorting ---- */

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
 * result ends where it began. Measured against qsort on the same keys (with
 * sort_v6's): `dfwgen ipsets` of 1,000,000 entries + 1,000 [port] 0.21-0.25 s
 * against 0.31-0.37 s, `dfwgen rules` of the IPv4 list 0.14 s against
 * 0.21-0.26 s (docs/benchmarks.md). */
static void radix_sort(uint64_t *v, size_t n)
{
	enum { PASSES = 4, BITS = 10, BUCKETS = 1 << BITS };
	_Static_assert(PASSES % 2 == 0 && PASSES * BITS >= 40, "an even number of passes over all 40 bits");
	uint64_t *tmp = xmalloc((n ? n : 1) * sizeof(*tmp)), *from = v, *to = tmp;
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
void set_sort_unique(struct ipset_def *set)
{
	if (!set->nentries)
		return;
	size_t n4 = 0, n6 = 0;
	uint64_t *keys = xmalloc((set->nentries + 1) * sizeof(*keys));
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

