/* dfwgen's state directory and what it keeps there: generations (the rules
 * and sets dfwgen wrote, each stored once with a checksum), which one is
 * confirmed, which one is being applied, which ones were rejected. Every file
 * is opened relative to the directory, never through a symlink, created
 * O_EXCL with mode 0600 and fsynced with the directory before it counts.
 *
 * Also the ownership checks (sshd's StrictModes) for the files root reads. */
#ifndef DFW_STATE_H
#define DFW_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define GEN_ID_LEN 16

/* What one apply puts in force. The bodies are --noflush input for dfwgen's
 * chains only: the jumps to them are fixed against the live tables each time
 * a generation is loaded. A family that is off has no body. */
struct set_blocks;

struct generation {
	char id[GEN_ID_LEN + 1]; /* a checksum of everything below, in hex */
	bool family[2];          /* [0] IPv4, [1] IPv6 */
	char *body[2];
	char *sets;              /* ipset restore input, as stored; NULL in a generation this run made */
	const struct set_blocks *typed; /* the sets, typed, when this run made them (not stored) */
	size_t sets_len;         /* the length of that text, either way */
	unsigned ssh_port;       /* for the fail-closed ruleset */
};

/* Fills g from the generated rules (jump lines are dropped) and the typed
 * sets, which must outlive g. Their text (25 MB at a million members) is
 * hashed as it is written and written again only to store g. */
void generation_make(struct generation *g, const bool family[2], const char *const rules[2],
		     const struct set_blocks *typed, unsigned ssh_port);
void generation_free(struct generation *g);

struct state_dir {
	const char *path;
	int fd; /* O_DIRECTORY|O_NOFOLLOW */
};

/* Opens (creating it, 0700) the state directory. false with err filled when
 * it is not a directory, or is writable by others. */
bool state_open(struct state_dir *sd, const char *path, bool create, char *err, size_t errsize);
void state_close(struct state_dir *sd);

/* A small file of the directory: read (NULL when absent or not a regular file
 * owned by root), written (atomically: O_EXCL temporary, fsync, rename, fsync
 * of the directory), removed. */
char *state_read(const struct state_dir *sd, const char *name);
bool state_write(const struct state_dir *sd, const char *name, const char *text);
void state_remove(const struct state_dir *sd, const char *name);
bool state_exists(const struct state_dir *sd, const char *name);

/* Generations, by id. Reading checks the checksum. */
bool state_save_generation(const struct state_dir *sd, const struct generation *g);
/* Whether g's file is there, dfwgen's, and of the size g's file has: a
 * truncated or missing copy is written again. Cheaper than reading 25 MB
 * back, which state_load_generation does and checks in full. */
bool state_holds_generation(const struct state_dir *sd, const struct generation *g);
bool state_load_generation(const struct state_dir *sd, const char *id, struct generation *g, char *err, size_t errsize);
/* Generation id's file, open for reading (-1: missing or not dfwgen's). An
 * apply keeps the confirmed one open: it can be read whole to roll back to
 * even when the state directory is gone meanwhile. */
int state_open_generation(const struct state_dir *sd, const char *id);
/* The whole generation from its open file, checked; false with *why. */
bool generation_read(int fd, const char *id, struct generation *g, const char **why);
/* Only its rules (g->sets stays NULL: g cannot be loaded), checked for the
 * file's size only: what tells dfwgen's rules from others, without reading
 * the sets (40 MB at a million members) an apply rarely needs. */
bool generation_read_rules(int fd, const char *id, struct generation *g);
/* The id in "current" (the last confirmed generation) or "pending" (being
 * applied, not confirmed yet); false when there is none. */
bool state_get_id(const struct state_dir *sd, const char *name, char id[GEN_ID_LEN + 1]);
/* Rejected generations: timed out, interrupted, or found pending after a
 * crash. Hooks and recovery never load them. */
bool state_rejected(const struct state_dir *sd, const char *id, time_t *when);
void state_reject(const struct state_dir *sd, const char *id);
/* A person applied it after all: no longer rejected. */
void state_unreject(const struct state_dir *sd, const char *id);
/* Removes every stored generation but these (NULL or "" ids are skipped). */
void state_prune(const struct state_dir *sd, const char *keep1, const char *keep2);

/* StrictModes: path (a file or a directory) and every directory above it must
 * be owned by root (or by the user dfwgen runs as, when not root) and not
 * writable by group or others; a root-owned sticky directory (/tmp) is fine.
 * false with the reason in err. */
bool path_trusted(const char *path, char *err, size_t errsize);

#endif
