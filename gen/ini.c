#include "ini.h"

#include "state.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <ini.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

/* libinih (Debian's r55) hands the handler no line number and cuts lines longer
 * than INI_MAX_LINE without a word. So we feed it lines ourselves: we count them,
 * and we refuse the ones it would mangle instead of passing them on truncated. */
struct reader {
	struct ini_doc *doc;
	const struct source *src;
	struct diags *d;
	size_t pos;
	int lineno;          /* the line libinih is working on */
	bool line_indented;
	int reported_line;   /* last line we already diagnosed ourselves */
};

static bool valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = s[i];
		size_t extra = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2
			     : (c & 0xf8) == 0xf0 ? 3 : 9;
		if (extra == 9 || (extra == 1 && c < 0xc2) || i + extra >= n + (extra ? 0 : 1))
			return false;
		for (size_t k = 1; k <= extra; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		}
		i += extra + 1;
	}
	return true;
}

static void record_header(struct reader *r, const char *line, size_t len)
{
	const char *open = memchr(line, '[', len);
	const char *close = memchr(line, ']', len);
	int col = (int)(open - line) + 1;
	if (!close) {
		diag_error(r->d, "ini-syntax", loc_span(r->src, r->lineno, col, (int)(len - (size_t)(open - line))),
			   "section header is missing its closing ']'");
		r->reported_line = r->lineno;
		return;
	}
	char *name = xstrndup(open + 1, (size_t)(close - open - 1));
	char *t = trim(name);
	struct ini_entry e = {.section = xstrdup(t), .loc = loc_span(r->src, r->lineno, col, (int)(close - open) + 1)};
	VEC_PUSH(r->doc->v, r->doc->n, r->doc->cap, e);
	free(name);
}

static char *read_line(char *str, int num, void *stream)
{
	struct reader *r = stream;
	const struct source *src = r->src;
	if (r->pos >= src->len)
		return NULL;
	const char *line = src->text + r->pos;
	const char *nl = memchr(line, '\n', src->len - r->pos);
	size_t len = nl ? (size_t)(nl - line) : src->len - r->pos;
	r->pos += len + (nl ? 1 : 0);
	r->lineno++;
	if (len && line[len - 1] == '\r')
		len--; /* CRLF files are fine */
	str[0] = '\0';
	struct loc here = loc_line(src, r->lineno);
	if (memchr(line, '\0', len)) {
		diag_error(r->d, "ini-encoding", here, "line contains a NUL byte");
		r->reported_line = r->lineno;
		return str;
	}
	if (!valid_utf8((const unsigned char *)line, len)) {
		diag_error(r->d, "ini-encoding", here, "line is not valid UTF-8");
		r->reported_line = r->lineno;
		return str;
	}
	if (len >= (size_t)num - 1) {
		diag_error(r->d, "line-too-long", loc_span(src, r->lineno, num - 1, 1),
			   "line is %zu characters long; at most %d fit (libinih would cut it "
			   "silently). Split a list over several lines: list keys accumulate",
			   len, num - 2);
		r->reported_line = r->lineno;
		return str;
	}
	size_t skip = 0;
	while (skip < len && (line[skip] == ' ' || line[skip] == '\t'))
		skip++;
	r->line_indented = skip > 0;
	if (skip < len && line[skip] == '[')
		record_header(r, line, len);
	memcpy(str, line, len);
	str[len] = '\0';
	return str;
}

/* Column of the value on the current line: after the first '=' or ':'. */
static int value_column(const struct reader *r, bool continuation)
{
	size_t len;
	const char *line = source_line(r->src, r->lineno, &len);
	size_t i = 0;
	if (!continuation) {
		while (i < len && line[i] != '=' && line[i] != ':')
			i++;
		if (i < len)
			i++;
	}
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	return (int)i + 1;
}

static bool starts_with_key(const char *line, size_t len, const char *key)
{
	size_t i = 0, k = strlen(key);
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (len - i < k || strncmp(line + i, key, k) != 0)
		return false;
	i += k;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	return i < len && (line[i] == '=' || line[i] == ':');
}

static int on_value(void *user, const char *section, const char *name, const char *value)
{
	struct reader *r = user;
	size_t len;
	const char *line = source_line(r->src, r->lineno, &len);
	bool cont = r->line_indented && !starts_with_key(line, len, name);
	int col = value_column(r, cont);
	struct ini_entry e = {
		.section = xstrdup(section),
		.key = xstrdup(name),
		.value = xstrdup(value),
		.loc = loc_span(r->src, r->lineno, col, (int)strlen(value)),
		.continuation = cont,
	};
	VEC_PUSH(r->doc->v, r->doc->n, r->doc->cap, e);
	return 1;
}

/* What root reads must be root's alone: a fragment anyone could write is
 * anyone's firewall (and could name any file as a list). */
static bool trusted(const struct ini_doc *doc, const char *path, struct diags *d)
{
	char why[PATH_MAX + 128];
	if (!doc->strict || path_trusted(path, why, sizeof(why)))
		return true;
	diag_error(d, "untrusted-path", (struct loc){0}, "not reading %s: %s (StrictModes: config files, rules.d "
		   "and every directory above them must be root's and not writable by others; or pass "
		   "--no-strict-modes)", path, why);
	return false;
}

bool ini_load_file(struct ini_doc *doc, const char *path, struct diags *d)
{
	if (!trusted(doc, path, d))
		return false;
	struct source *src = source_load(path, (struct loc){0}, d);
	if (!src)
		return false;
	source_keep(doc->store, src);
	struct reader r = {.doc = doc, .src = src, .d = d};
	/* libinih reports only the first line it could not parse (a key without '=',
	 * a broken header) and keeps going; the rest we diagnosed in read_line. */
	int bad = ini_parse_stream(read_line, &r, on_value, &r);
	if (bad > 0 && bad != r.reported_line) {
		size_t len;
		const char *line = source_line(src, bad, &len);
		size_t i = 0;
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		diag_error(d, "ini-syntax", loc_span(src, bad, (int)i + 1, (int)(len - i)),
			   "expected 'key = value', a [section] header or a comment");
	}
	return true;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

bool ini_load_dir(struct ini_doc *doc, const char *dir, struct diags *d)
{
	if (!trusted(doc, dir, d))
		return false;
	DIR *dp = opendir(dir);
	if (!dp) {
		diag_error(d, "unreadable", (struct loc){0}, "cannot read directory '%s': %s", dir,
			   strerror(errno));
		return false;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(dp))) {
		size_t len = strlen(de->d_name);
		/* *.ini only; dot files are editors' and package managers' leftovers */
		if (de->d_name[0] == '.' || len < 5 || strcmp(de->d_name + len - 4, ".ini") != 0)
			continue;
		VEC_PUSH(names, n, cap, xasprintf("%s/%s", dir, de->d_name));
	}
	closedir(dp);
	if (n > 1)
		qsort(names, n, sizeof(*names), by_name); /* byte order, like run-parts */
	for (size_t i = 0; i < n; i++) {
		ini_load_file(doc, names[i], d);
		free(names[i]);
	}
	free(names);
	return true;
}

void ini_free(struct ini_doc *doc)
{
	for (size_t i = 0; i < doc->n; i++) {
		free(doc->v[i].section);
		free(doc->v[i].key);
		free(doc->v[i].value);
	}
	free(doc->v);
	memset(doc, 0, sizeof(*doc));
}
