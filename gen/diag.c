#include "diag.h"

#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_MESSAGE 600

struct source *source_from_text(const char *name, char *text, size_t len)
{
	struct source *src = xcalloc(1, sizeof(*src));
	size_t cap = 0;
	src->name = xstrdup(name);
	src->text = text;
	src->len = len;
	for (const char *at = text; len && at; ) {
		VEC_PUSH(src->line_start, src->nlines, cap, (size_t)(at - text));
		at = memchr(at, '\n', len - (size_t)(at - text));
		if (at && ++at == text + len)
			at = NULL;
	}
	return src;
}

struct source *source_load(const char *path, struct loc from, struct diags *d)
{
	bool is_stdin = strcmp(path, "-") == 0;
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0) {
		diag_error(d, "unreadable", from, "cannot read '%s': %s", path, strerror(errno));
		return NULL;
	}
	if (!is_stdin && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		diag_error(d, "unreadable", from, "cannot read '%s': it is a directory", path);
		return NULL;
	}
	size_t len;
	char *text = fd_read_all(fd, &len); /* a list of a million addresses is 15 MB: read in place */
	int err = errno;
	if (!is_stdin)
		close(fd);
	if (!text) {
		diag_error(d, "unreadable", from, "cannot read '%s': %s", path, strerror(err ? err : EIO));
		return NULL;
	}
	return source_from_text(is_stdin ? "<stdin>" : path, text, len);
}

struct source *source_keep(struct source_store *st, struct source *src)
{
	if (src)
		VEC_PUSH(st->v, st->n, st->cap, src);
	return src;
}

void source_store_free(struct source_store *st)
{
	for (size_t i = 0; i < st->n; i++)
		source_free(st->v[i]);
	free(st->v);
	memset(st, 0, sizeof(*st));
}

void source_free(struct source *src)
{
	if (!src)
		return;
	free(src->name);
	free(src->text);
	free(src->line_start);
	free(src);
}

const char *source_line(const struct source *src, int line, size_t *len)
{
	if (!src || line < 1 || (size_t)line > src->nlines) {
		*len = 0;
		return "";
	}
	size_t start = src->line_start[line - 1], end;
	if ((size_t)line < src->nlines) {
		end = src->line_start[line] - 1; /* the newline the next line follows */
	} else {
		const char *nl = memchr(src->text + start, '\n', src->len - start);
		end = nl ? (size_t)(nl - src->text) : src->len;
	}
	if (end > start && src->text[end - 1] == '\r')
		end--;
	*len = end - start;
	return src->text + start;
}

struct loc loc_line(const struct source *src, int line)
{
	return (struct loc){.src = src, .line = line};
}

struct loc loc_span(const struct source *src, int line, int col, int len)
{
	return (struct loc){.src = src, .line = line, .col = col, .len = len > 0 ? len : 1};
}

void diag_add(struct diags *d, enum severity sev, const char *id, struct loc loc,
	      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (strlen(msg) > MAX_MESSAGE) /* a message quoting a 1 MB token helps nobody */
		strcpy(msg + MAX_MESSAGE - 7, " (cut)");
	if (sev == SEV_WARNING && d->warnings_are_errors)
		sev = SEV_ERROR;
	struct diag item = {.sev = sev, .id = id, .loc = loc, .msg = msg};
	VEC_PUSH(d->v, d->n, d->cap, item);
	if (sev == SEV_ERROR)
		d->errors++;
	else if (sev == SEV_WARNING)
		d->warnings++;
}

bool diags_failed(const struct diags *d)
{
	return d->errors > 0;
}

static const char *sev_name(enum severity s)
{
	return s == SEV_ERROR ? "error" : s == SEV_WARNING ? "warning" : "note";
}

/* Prints a line of user input so that control bytes cannot mess with the terminal. */
static void put_visible(FILE *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\t' || c >= 0x20)
			fputc(c, out);
		else
			fputc('?', out);
	}
}

static void print_text(FILE *out, const struct diag *g)
{
	const struct loc *l = &g->loc;
	if (l->src && l->line > 0 && l->col > 0)
		fprintf(out, "%s:%d:%d: ", l->src->name, l->line, l->col);
	else if (l->src && l->line > 0)
		fprintf(out, "%s:%d: ", l->src->name, l->line);
	else if (l->src)
		fprintf(out, "%s: ", l->src->name);
	else
		fputs("dfwgen: ", out);
	fprintf(out, "%s: %s [%s]\n", sev_name(g->sev), g->msg, g->id);
	if (!l->src || l->line < 1 || l->src->secret)
		return;
	size_t len;
	const char *text = source_line(l->src, l->line, &len);
	if (len > 400)
		len = 400; /* a 1 MB line helps nobody on a terminal */
	fputs("  ", out);
	put_visible(out, text, len);
	fputc('\n', out);
	if (l->col < 1 || (size_t)l->col > len + 1)
		return;
	fputs("  ", out);
	for (int i = 1; i < l->col; i++)
		fputc(text[i - 1] == '\t' ? '\t' : ' ', out);
	int carets = l->len > 0 ? l->len : 1;
	if ((size_t)(l->col - 1 + carets) > len + 1)
		carets = (int)(len + 1) - (l->col - 1);
	fputc('^', out);
	for (int i = 1; i < carets; i++)
		fputc('~', out);
	fputc('\n', out);
}

static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

void diags_print(FILE *out, const struct diags *d, enum diag_format fmt)
{
	if (fmt == DIAG_TEXT) {
		for (size_t i = 0; i < d->n; i++)
			print_text(out, &d->v[i]);
		return;
	}
	fputs("[", out);
	for (size_t i = 0; i < d->n; i++) {
		const struct diag *g = &d->v[i];
		fputs(i ? ",\n {" : "\n {", out);
		fputs("\"file\": ", out);
		json_string(out, g->loc.src ? g->loc.src->name : "");
		fprintf(out, ", \"line\": %d, \"column\": %d, \"severity\": \"%s\", \"id\": ",
			g->loc.line, g->loc.col, sev_name(g->sev));
		json_string(out, g->id);
		fputs(", \"message\": ", out);
		json_string(out, g->msg);
		fputs("}", out);
	}
	fputs(d->n ? "\n]\n" : "]\n", out);
}

void diags_move(struct diags *to, struct diags *from, size_t at, size_t n)
{
	for (size_t i = at; i < at + n; i++) {
		struct diag item = from->v[i];
		VEC_PUSH(to->v, to->n, to->cap, item);
		to->errors += item.sev == SEV_ERROR;
		to->warnings += item.sev == SEV_WARNING;
		from->v[i].msg = NULL; /* `to` owns it now */
	}
}

void diags_take(struct diags *to, struct diags *from, size_t at)
{
	diags_move(to, from, at, from->n - at);
	for (size_t i = at; i < from->n; i++) {
		from->errors -= from->v[i].sev == SEV_ERROR;
		from->warnings -= from->v[i].sev == SEV_WARNING;
	}
	from->n = at;
}

void diags_free(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].msg);
	free(d->v);
	memset(d, 0, sizeof(*d));
}
