#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static void *oom(void)
{
	fputs("dfwgen: out of memory\n", stderr);
	exit(2);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	return p ? p : oom();
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	return p ? p : oom();
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	return p ? p : oom();
}

void populate(void *p, size_t n)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE); /* glibc answers from memory */
	uintptr_t from = ((uintptr_t)p + page - 1) & ~(page - 1), to = ((uintptr_t)p + n) & ~(page - 1);
	if (to > from)
		madvise((void *)from, to - from, MADV_POPULATE_WRITE); /* before Linux 5.14: refused, no harm */
}

struct arena_block {
	struct arena_block *prev;
	max_align_t data[];
};

enum { ARENA_BLOCK = 1 << 20 };

#if defined(__SANITIZE_ADDRESS__)
#define ARENA_EXACT 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_EXACT 1
#endif
#endif

void *arena_alloc(struct arena *a, size_t n)
{
#ifdef ARENA_EXACT
	/* under AddressSanitizer every object gets a block of its exact size, so
	 * that reading past one is caught, not hidden in the next */
	struct arena_block *own = xmalloc(sizeof(*own) + n);
	own->prev = a->blocks;
	a->blocks = own;
	return a->last = a->next = a->end = (char *)own->data;
#else
	n = (n + 7) & ~(size_t)7;
	if ((size_t)(a->end - a->next) < n) {
		size_t size = n > ARENA_BLOCK ? n : ARENA_BLOCK;
		struct arena_block *b = xmalloc(sizeof(*b) + size);
		if (a->blocks) /* an arena past its first block is a big one: this one fills whole */
			populate(b, sizeof(*b) + size);
		b->prev = a->blocks;
		a->blocks = b;
		a->next = (char *)b->data;
		a->end = a->next + size;
	}
	a->last = a->next;
	a->next += n;
	return a->last;
#endif
}

void arena_shrink(struct arena *a, void *p, size_t n)
{
	if (p == a->last && n <= (size_t)(a->next - a->last))
		a->next = a->last + ((n + 7) & ~(size_t)7);
}

void *arena_copy(struct arena *a, const void *src, size_t n)
{
	return n ? memcpy(arena_alloc(a, n), src, n) : NULL;
}

void arena_free(struct arena *a)
{
	while (a->blocks) {
		struct arena_block *prev = a->blocks->prev;
		free(a->blocks);
		a->blocks = prev;
	}
	a->next = a->end = a->last = NULL;
}

/* splitmix64's finaliser: every input bit moves every output bit */
uint64_t hash_mix(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Eight bytes a step: chain names and rule specs are hashed by the hundred thousand. */
uint64_t hash_bytes(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w;
	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, s, n);
	return hash_mix(h ^ w);
}

static size_t name_hash(const char *s)
{
	return (size_t)hash_bytes(s, strlen(s));
}

static void name_index_put(struct name_index *ix, size_t i, const char *name)
{
	size_t j = name_hash(name) & (ix->nslots - 1);
	while (ix->slots[j])
		j = (j + 1) & (ix->nslots - 1);
	ix->slots[j] = i + 1;
}

long name_index_find(const struct name_index *ix, const char *name, name_at_fn name_at, const void *array)
{
	if (!ix->nslots)
		return -1;
	for (size_t j = name_hash(name) & (ix->nslots - 1); ix->slots[j]; j = (j + 1) & (ix->nslots - 1)) {
		if (!strcmp(name_at(array, ix->slots[j] - 1), name))
			return (long)ix->slots[j] - 1;
	}
	return -1;
}

void name_index_rebuild(struct name_index *ix, size_t n, name_at_fn name_at, const void *array)
{
	size_t want = 16;
	while (want < n * 2 + 2)
		want *= 2;
	free(ix->slots);
	ix->slots = xcalloc(want, sizeof(*ix->slots));
	ix->nslots = want;
	for (size_t i = 0; i < n; i++)
		name_index_put(ix, i, name_at(array, i));
}

void name_index_add(struct name_index *ix, size_t n, name_at_fn name_at, const void *array)
{
	if (n * 2 + 2 > ix->nslots)
		name_index_rebuild(ix, n, name_at, array);
	else
		name_index_put(ix, n - 1, name_at(array, n - 1));
}

void name_index_free(struct name_index *ix)
{
	free(ix->slots);
	ix->slots = NULL;
	ix->nslots = 0;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	char *p = xmalloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

static void sb_grow(struct strbuf *sb, size_t extra)
{
	if (sb->len + extra + 1 <= sb->cap)
		return;
	size_t cap = sb->cap ? sb->cap : 64;
	while (cap < sb->len + extra + 1)
		cap *= 2;
	sb->buf = xrealloc(sb->buf, cap);
	sb->cap = cap;
}

void sb_reserve(struct strbuf *sb, size_t extra)
{
	sb_grow(sb, extra);
}

void sb_addn(struct strbuf *sb, const char *s, size_t n)
{
	sb_grow(sb, n);
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void sb_add(struct strbuf *sb, const char *s)
{
	sb_addn(sb, s, strlen(s));
}

void sb_addc(struct strbuf *sb, char c)
{
	sb_addn(sb, &c, 1);
}

void sb_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = xvasprintf(fmt, ap);
	va_end(ap);
	sb_add(sb, p);
	free(p);
}

char *sb_steal(struct strbuf *sb)
{
	char *p = sb->buf ? sb->buf : xstrdup("");
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	return p;
}

void sb_truncate(struct strbuf *sb, size_t len)
{
	if (sb->buf && len < sb->len) {
		sb->len = len;
		sb->buf[len] = '\0';
	}
}

void sb_free(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

size_t split_list(const char *s, char ***out)
{
	char **v = NULL;
	size_t n = 0, cap = 0;
	const char *p = s;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char *item = xstrndup(p, len);
		char *t = trim(item);
		VEC_PUSH(v, n, cap, xstrdup(t));
		free(item);
		if (!comma)
			break;
		p = comma + 1;
	}
	*out = v;
	return n;
}

void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

bool str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int str_cmp_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- files ---- */

char *fd_read_all(int fd, size_t *len)
{
	struct stat st;
	/* a file's size, and room to see its end without growing (40 MB copied) */
	size_t cap = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? (size_t)st.st_size + 2 : 65536, n = 0;
	char *buf = xmalloc(cap);
	populate(buf, cap);
	for (;;) {
		if (n + 1 == cap)
			buf = xrealloc(buf, cap *= 2); /* a file that grew, or a pipe */
		ssize_t got = read(fd, buf + n, cap - n - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = errno;
			free(buf);
			errno = e;
			return NULL;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

bool fd_write_all(int fd, const char *s, size_t len)
{
	for (size_t done = 0; done < len;) {
		ssize_t n = write(fd, s + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		done += (size_t)n;
	}
	return true;
}

bool file_replace_with(int dirfd, const char *name, const char *tmp, mode_t mode, bool (*fill)(int fd, const void *arg),
		       const void *arg)
{
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	bool ok = fd >= 0 && fchmod(fd, mode) == 0; /* whatever the umask */
	ok = ok && fill(fd, arg) && fsync(fd) == 0;
	if (fd >= 0)
		ok &= close(fd) == 0;
	ok = ok && renameat(dirfd, tmp, dirfd, name) == 0 && fsync(dirfd) == 0;
	if (!ok && fd >= 0) {
		int e = errno;
		unlinkat(dirfd, tmp, 0);
		errno = e;
	}
	return ok;
}

static bool fill_text(int fd, const void *text)
{
	return fd_write_all(fd, text, strlen(text));
}

bool file_replace_at(int dirfd, const char *name, const char *tmp, const char *text, mode_t mode)
{
	return file_replace_with(dirfd, name, tmp, mode, fill_text, text);
}
