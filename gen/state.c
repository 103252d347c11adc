#include "state.h"

#include "sets.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- generations ---- */

/* FNV-1a, 64 bits, eight bytes a step (a million-entry ipset file is 25 MB:
 * byte by byte took 60 ms of every apply): catches a truncated or damaged
 * file, which is all it is for. */
static uint64_t fnv(uint64_t h, const char *s, size_t n)
{
	uint64_t w;
	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 29;
	}
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return h;
}

/* fnv over pieces that arrive one after the other, as if over their
 * concatenation: the sets' text is hashed as it is written, never held. */
struct fnv_stream {
	uint64_t h;
	char pend[8];
	size_t npend, total;
};

static void fnv_feed(void *arg, const char *s, size_t n)
{
	struct fnv_stream *fs = arg;
	fs->total += n;
	for (; n && fs->npend; s++, n--) {
		fs->pend[fs->npend++] = *s;
		if (fs->npend == 8) {
			fs->h = fnv(fs->h, fs->pend, 8);
			fs->npend = 0;
		}
	}
	size_t whole = n & ~(size_t)7;
	fs->h = fnv(fs->h, s, whole);
	memcpy(fs->pend, s + whole, n - whole);
	fs->npend = n - whole;
}

/* The id: a checksum of the header, the bodies and the sets' text (taken
 * from g->sets, else written from g->typed as it is hashed). */
static void generation_id(struct generation *g)
{
	char head[64];
	int n = snprintf(head, sizeof(head), "%d %d %u|", g->family[0], g->family[1], g->ssh_port);
	uint64_t h = fnv(0xcbf29ce484222325ULL, head, (size_t)n);
	for (int f = 0; f < 2; f++) {
		const char *b = g->body[f] ? g->body[f] : "";
		snprintf(head, sizeof(head), "%zu|", strlen(b));
		h = fnv(fnv(h, head, strlen(head)), b, strlen(b));
	}
	struct fnv_stream fs = {.h = h};
	if (g->sets)
		fnv_feed(&fs, g->sets, g->sets_len);
	else if (g->typed)
		sets_text_each(g->typed, fnv_feed, &fs);
	g->sets_len = fs.total;
	h = fnv(fs.h, fs.pend, fs.npend);
	snprintf(g->id, sizeof(g->id), "%016llx", (unsigned long long)h);
}

/* The lines render adds to put the jumps to dfwgen's chains first ("-I INPUT
 * 1 -j FILTERS", "-D FORWARD ..."): they depend on the tables at the time. */
static bool is_jump_line(const char *line, size_t len)
{
	return len > 3 && (!strncmp(line, "-I ", 3) || !strncmp(line, "-D ", 3));
}

void generation_make(struct generation *g, const bool family[2], const char *const rules[2],
		     const struct set_blocks *typed, unsigned ssh_port)
{
	memset(g, 0, sizeof(*g));
	for (int f = 0; f < 2; f++) {
		g->family[f] = family[f];
		if (!family[f] || !rules[f])
			continue;
		struct strbuf sb = {0};
		for (const char *line = rules[f]; *line;) {
			const char *nl = strchrnul(line, '\n');
			size_t len = (size_t)(nl - line);
			if (!is_jump_line(line, len) && line[0] != '#')
				sb_addn(&sb, line, len + (*nl ? 1 : 0));
			line = *nl ? nl + 1 : nl;
		}
		g->body[f] = sb_steal(&sb);
		if (!g->body[f])
			g->body[f] = xstrdup("");
	}
	g->typed = typed;
	g->ssh_port = ssh_port;
	generation_id(g);
}

void generation_free(struct generation *g)
{
	free(g->body[0]);
	free(g->body[1]);
	free(g->sets);
	memset(g, 0, sizeof(*g));
}

/* ---- the directory ---- */

static bool owner_ok(const struct stat *st)
{
	return st->st_uid == 0 || (geteuid() != 0 && st->st_uid == geteuid());
}

static bool trusted_stat(const char *path, const struct stat *st, char *err, size_t errsize)
{
	if (!owner_ok(st)) {
		snprintf(err, errsize, "%s is owned by uid %u, not by %s", path, (unsigned)st->st_uid,
			 geteuid() ? "root or you" : "root");
		return false;
	}
	bool sticky_root = S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX) && st->st_uid == 0;
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) && !sticky_root) {
		snprintf(err, errsize, "%s is writable by %s (mode %04o)", path,
			 st->st_mode & S_IWOTH ? "everyone" : "its group", (unsigned)(st->st_mode & 07777));
		return false;
	}
	return true;
}

bool path_trusted(const char *path, char *err, size_t errsize)
{
	char *real = realpath(path, NULL);
	if (!real)
		return true; /* nothing there (or a dangling symlink): the reader says so */
	if (!strcmp(real, "/dev/null")) {
		free(real); /* -c /dev/null: nothing anyone writes there is ever read */
		return true;
	}
	bool ok = true;
	/* the file itself, then each directory above it, up to / */
	for (char *end = real + strlen(real); ok;) {
		struct stat st;
		char *slash = end;
		if (lstat(real, &st) != 0) {
			snprintf(err, errsize, "cannot stat %s: %s", real, strerror(errno));
			ok = false;
			break;
		}
		ok = trusted_stat(real, &st, err, errsize);
		if (!strcmp(real, "/"))
			break;
		slash = strrchr(real, '/');
		if (slash == real)
			slash[1] = '\0';
		else
			*slash = '\0';
		end = slash;
	}
	free(real);
	return ok;
}

bool state_open(struct state_dir *sd, const char *path, bool create, char *err, size_t errsize)
{
	sd->path = path;
	sd->fd = -1;
	if (create && mkdir(path, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errsize, "cannot create %s: %s", path, strerror(errno));
		return false;
	}
	sd->fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sd->fd < 0) {
		snprintf(err, errsize, "cannot open the state directory %s: %s", path,
			 errno == ELOOP || errno == ENOTDIR ? "not a directory (a symlink is not followed)" : strerror(errno));
		return false;
	}
	char why[PATH_MAX + 128];
	if (!path_trusted(path, why, sizeof(why))) {
		snprintf(err, errsize, "the state directory is not safe: %s", why);
		state_close(sd);
		return false;
	}
	return true;
}

void state_close(struct state_dir *sd)
{
	if (sd->fd >= 0)
		close(sd->fd);
	sd->fd = -1;
}

/* A state file opened for reading; -1 when it is missing or not dfwgen's. */
static int open_state_file(const struct state_dir *sd, const char *name)
{
	int fd = openat(sd->fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	/* a file someone else planted is not dfwgen's state */
	if (fd >= 0 && !(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && owner_ok(&st) &&
			 !(st.st_mode & (S_IWGRP | S_IWOTH)))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* The first `max` bytes of an open file (SIZE_MAX: all), NUL-terminated. */
static char *read_from_start(int fd, size_t max)
{
	if (max == SIZE_MAX)
		return lseek(fd, 0, SEEK_SET) == 0 ? fd_read_all(fd, NULL) : NULL;
	char *text = xmalloc(max + 1);
	ssize_t n = pread(fd, text, max, 0);
	if (n < 0) {
		free(text);
		return NULL;
	}
	text[n] = '\0';
	return text;
}

char *state_read(const struct state_dir *sd, const char *name)
{
	int fd = open_state_file(sd, name);
	char *text = fd >= 0 ? read_from_start(fd, SIZE_MAX) : NULL;
	if (fd >= 0)
		close(fd);
	return text;
}

bool state_exists(const struct state_dir *sd, const char *name)
{
	struct stat st;
	return fstatat(sd->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

bool state_write(const struct state_dir *sd, const char *name, const char *text)
{
	char *tmp = xasprintf("%s.tmp", name);
	unlinkat(sd->fd, tmp, 0); /* a leftover of a crash, or something planted: never opened */
	bool ok = file_replace_at(sd->fd, name, tmp, text, 0600);
	free(tmp);
	return ok;
}

void state_remove(const struct state_dir *sd, const char *name)
{
	if (unlinkat(sd->fd, name, 0) == 0)
		fsync(sd->fd);
}

/* ---- generations on disk ---- */

static char *gen_name(const char *id)
{
	return xasprintf("gen-%s", id);
}

/* g's file, piece by piece to out: a header, then each part as "KEY LEN\n"
 * and LEN bytes; without with_sets the sets' bytes are left out (not their
 * length line). The sets' 40 MB go out in 64 KiB pieces, never held whole. */
static void generation_file(const struct generation *g, bool with_sets, void (*out)(void *arg, const char *s, size_t n),
			    void *arg)
{
	char line[128];
	int n = snprintf(line, sizeof(line), "dfwgen generation 1\nid %s\nfamily %d %d\nssh_port %u\n", g->id,
			 g->family[0], g->family[1], g->ssh_port);
	out(arg, line, (size_t)n);
	for (int f = 0; f < 2; f++) {
		const char *b = g->body[f] ? g->body[f] : "";
		n = snprintf(line, sizeof(line), "v%d %zu\n", f ? 6 : 4, strlen(b));
		out(arg, line, (size_t)n);
		out(arg, b, strlen(b));
	}
	n = snprintf(line, sizeof(line), "sets %zu\n", g->sets_len);
	out(arg, line, (size_t)n);
	if (with_sets && g->sets)
		out(arg, g->sets, g->sets_len);
	else if (with_sets && g->typed)
		sets_text_each(g->typed, out, arg);
}

static void count(void *arg, const char *s, size_t n)
{
	(void)s;
	*(size_t *)arg += n;
}

/* The size of g's file. */
static size_t generation_size(const struct generation *g)
{
	size_t size = g->sets_len;
	generation_file(g, false, count, &size);
	return size;
}

struct gen_writer {
	int fd;
	bool ok;
};

static void write_piece(void *arg, const char *s, size_t n)
{
	struct gen_writer *w = arg;
	w->ok = w->ok && fd_write_all(w->fd, s, n);
}

static bool fill_generation(int fd, const void *arg)
{
	struct gen_writer w = {.fd = fd, .ok = true};
	generation_file(arg, true, write_piece, &w);
	return w.ok;
}

bool state_save_generation(const struct state_dir *sd, const struct generation *g)
{
	char *name = gen_name(g->id), *tmp = xasprintf("%s.tmp", name);
	unlinkat(sd->fd, tmp, 0); /* a leftover of a crash, or something planted: never opened */
	bool ok = file_replace_with(sd->fd, name, tmp, 0600, fill_generation, g);
	free(name);
	free(tmp);
	return ok;
}

bool state_holds_generation(const struct state_dir *sd, const struct generation *g)
{
	size_t size = generation_size(g);
	char *name = gen_name(g->id);
	struct stat st;
	bool ok = fstatat(sd->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) && owner_ok(&st) &&
		  !(st.st_mode & (S_IWGRP | S_IWOTH)) && (size_t)st.st_size == size;
	free(name);
	return ok;
}

/* "KEY LEN\n" then LEN bytes (no NUL among them), at *p: where they start,
 * or NULL. */
static const char *section(const char **p, const char *key, size_t *len)
{
	size_t klen = strlen(key);
	char *end;
	if (strncmp(*p, key, klen) || (*p)[klen] != ' ')
		return NULL;
	errno = 0;
	*len = strtoull(*p + klen + 1, &end, 10);
	if (errno || *end != '\n' || strnlen(end + 1, *len) < *len)
		return NULL;
	*p = end + 1 + *len;
	return end + 1;
}

/* Generation `id` from text, a whole file, or (size: the file's) its
 * start: the header and bodies, and the sets too when whole. NULL, or what
 * is wrong. */
static const char *parse_generation(char **text, const char *id, const size_t *size, struct generation *g)
{
	int f4 = 0, f6 = 0, used = 0;
	char stored[GEN_ID_LEN + 1] = "";
	if (sscanf(*text, "dfwgen generation 1\nid %16s\nfamily %d %d\nssh_port %u\n%n", stored, &f4, &f6,
		   &g->ssh_port, &used) < 4 || !used || strcmp(stored, id))
		return "bad header";
	const char *p = *text + used, *v4, *v6 = NULL, *sets = NULL;
	size_t n4, n6, nsets;
	unsigned long long declared;
	int head = 0;
	g->family[0] = f4, g->family[1] = f6;
	if ((v4 = section(&p, "v4", &n4)) && (v6 = section(&p, "v6", &n6)) && size) {
		/* the start only: the sets' length must account for the rest of the file */
		if (sscanf(p, "sets %llu\n%n", &declared, &head) < 1 || !head ||
		    (size_t)(p - *text) + (size_t)head + declared != *size)
			return "its size does not match";
		g->body[0] = xstrndup(v4, n4);
		g->body[1] = xstrndup(v6, n6);
		snprintf(g->id, sizeof(g->id), "%s", stored);
		return NULL;
	}
	if (v6 && (sets = section(&p, "sets", &nsets)) && *p == '\0') {
		g->body[0] = xstrndup(v4, n4);
		g->body[1] = xstrndup(v6, n6);
		/* the sets are the file's end: moved to its start, the 40 MB not copied */
		memmove(*text, sets, nsets);
		(*text)[nsets] = '\0';
		g->sets = *text;
		g->sets_len = nsets;
		*text = NULL;
		generation_id(g);
	}
	return g->sets && !strcmp(g->id, stored) ? NULL : "its checksum does not match";
}

bool generation_read(int fd, const char *id, struct generation *g, const char **why)
{
	memset(g, 0, sizeof(*g));
	char *text = read_from_start(fd, SIZE_MAX);
	*why = text ? parse_generation(&text, id, NULL, g) : "unreadable";
	if (*why)
		generation_free(g);
	free(text);
	return !*why;
}

bool generation_read_rules(int fd, const char *id, struct generation *g)
{
	enum { RULES_MAX = 4 << 20 }; /* the rules of 10,000 [port] sections are 1.5 MB */
	memset(g, 0, sizeof(*g));
	struct stat st;
	char *text = fstat(fd, &st) == 0 ? read_from_start(fd, RULES_MAX) : NULL;
	size_t size = text ? (size_t)st.st_size : 0;
	bool ok = text && !parse_generation(&text, id, &size, g);
	if (!ok)
		generation_free(g);
	free(text);
	return ok;
}

int state_open_generation(const struct state_dir *sd, const char *id)
{
	char *name = gen_name(id);
	int fd = open_state_file(sd, name);
	free(name);
	return fd;
}

bool state_load_generation(const struct state_dir *sd, const char *id, struct generation *g, char *err, size_t errsize)
{
	memset(g, 0, sizeof(*g));
	int fd = state_open_generation(sd, id);
	const char *why = NULL;
	bool ok = fd >= 0 && generation_read(fd, id, g, &why);
	if (fd < 0)
		snprintf(err, errsize, "%s/gen-%s is missing or not dfwgen's", sd->path, id);
	else if (!ok)
		snprintf(err, errsize, "%s/gen-%s is damaged (%s)", sd->path, id, why);
	if (fd >= 0)
		close(fd);
	return ok;
}

bool state_get_id(const struct state_dir *sd, const char *name, char id[GEN_ID_LEN + 1])
{
	char *text = state_read(sd, name);
	bool ok = text && strspn(text, "0123456789abcdef") == GEN_ID_LEN && (text[GEN_ID_LEN] == '\n' || !text[GEN_ID_LEN]);
	if (ok)
		memcpy(id, text, GEN_ID_LEN), id[GEN_ID_LEN] = '\0';
	free(text);
	return ok;
}

/* "rejected": one "ID UNIXTIME" line per rejected generation, newest last. */
bool state_rejected(const struct state_dir *sd, const char *id, time_t *when)
{
	char *text = state_read(sd, "rejected");
	bool found = false;
	for (const char *line = text; line && *line && !found;) {
		long long t = 0;
		found = !strncmp(line, id, GEN_ID_LEN) && line[GEN_ID_LEN] == ' ' && sscanf(line + GEN_ID_LEN, "%lld", &t) == 1;
		if (found && when)
			*when = (time_t)t;
		line = strchrnul(line, '\n');
		line += *line ? 1 : 0;
	}
	free(text);
	return found;
}

void state_reject(const struct state_dir *sd, const char *id)
{
	if (state_rejected(sd, id, NULL))
		return;
	char *text = state_read(sd, "rejected");
	/* the 31 most recent, and this one */
	size_t lines = 0;
	for (const char *c = text; c && *c; c++)
		lines += *c == '\n';
	const char *keep = text ? text : "";
	for (; lines >= 32 && *keep; lines--)
		keep = strchrnul(keep, '\n') + 1;
	char *out = xasprintf("%s%s %lld\n", keep, id, (long long)time(NULL));
	state_write(sd, "rejected", out);
	free(out);
	free(text);
}

void state_unreject(const struct state_dir *sd, const char *id)
{
	if (!state_rejected(sd, id, NULL))
		return;
	char *text = state_read(sd, "rejected");
	struct strbuf out = {0};
	for (const char *line = text; line && *line;) {
		const char *nl = strchrnul(line, '\n');
		if (strncmp(line, id, GEN_ID_LEN) || line[GEN_ID_LEN] != ' ')
			sb_addn(&out, line, (size_t)(nl - line) + (*nl ? 1 : 0));
		line = *nl ? nl + 1 : nl;
	}
	state_write(sd, "rejected", out.buf ? out.buf : "");
	sb_free(&out);
	free(text);
}

void state_prune(const struct state_dir *sd, const char *keep1, const char *keep2)
{
	int fd = dup(sd->fd);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	if (!dir) {
		if (fd >= 0)
			close(fd);
		return;
	}
	rewinddir(dir);
	for (struct dirent *e; (e = readdir(dir));) {
		if (strncmp(e->d_name, "gen-", 4))
			continue;
		const char *id = e->d_name + 4;
		if ((keep1 && *keep1 && !strcmp(id, keep1)) || (keep2 && *keep2 && !strcmp(id, keep2)))
			continue;
		unlinkat(sd->fd, e->d_name, 0);
	}
	closedir(dir);
	fsync(sd->fd);
}
