/* The host's firewall tools: running them, asking the kernel over netlink,
 * choosing the iptables flavour (nft or legacy) the host and Docker use,
 * and dfwgen's state directory.
 * Only `apply`, `confirm` and `status` come here; nothing else touches the host. */
#ifndef DFW_HOST_H
#define DFW_HOST_H

#include "addr.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nlmsghdr;

struct cmd_result {
	int status;   /* exit status; 127: could not run; 128+N: killed by signal N */
	char *out;    /* standard output */
	char *err;    /* standard error */
};

/* Runs argv (PATH lookup), feeding input to its standard input. */
struct cmd_result host_run(const char *const *argv, const char *input);
void cmd_result_free(struct cmd_result *r);

/* An nfnetlink dump request (subsystem << 8 | command) for family, in buf
 * (at least MNL_SOCKET_BUFFER_SIZE): the caller adds its attributes. */
struct nlmsghdr *host_nl_dump_request(char *buf, uint16_t type, uint8_t family);
/* Sends req and hands each message of the reply to cb until the dump ends,
 * receiving bufsize bytes at a time (the kernel fills that much a message,
 * up to 32 KiB). MNL_CB_STOP when it ended; MNL_CB_ERROR with errno set
 * otherwise (ENOENT: no such object; EINTR: it changed during the dump). */
int host_nl_dump(const struct nlmsghdr *req, size_t bufsize, int (*cb)(const struct nlmsghdr *nlh, void *data),
		 void *data);

/* "nft" or "legacy": forced, or the flavour whose filter table holds Docker's
 * chains, else the one `iptables` points to. */
const char *host_backend(const char *forced);
/* "iptables-nft-save", "ip6tables-legacy-restore", ... */
void host_tool(char *buf, size_t size, const char *backend, enum family f, const char *verb);

/* Takes the lock in the state directory (fd: the directory), waiting for
 * another apply at most `seconds` (0: as long as it takes); -1 on failure. */
int host_lock(int dir_fd, const char *state_dir, int seconds, char *err, size_t errsize);

struct set_names {
	char **v;
	size_t n, cap;
};

/* The host's ipset names (ipset list -n; none when it fails). */
void host_set_names(struct set_names *out);
bool set_names_has(const struct set_names *l, const char *name);
/* Whether name is one of dfwgen's sets: dfw-..., and not the .n twin a
 * rebuild fills (twin: whether it is such a twin). */
bool set_name_is_dfw(const char *name, bool *twin);
void set_names_free(struct set_names *l);

/* Whether the kernel has legacy (x_tables) tables in this namespace: reading
 * them with a legacy tool would create them. */
bool host_legacy_tables_exist(void);

/* Fault injection for the tests, compiled in only with -DDFW_FAULTS (the
 * build-faults/dfwgen binary): DFWGEN_FAULT=STEP kills dfwgen at that step,
 * DFWGEN_FAULT=run:N right after its Nth step with the host (an external
 * command, or a netlink request of the main thread: a batch of set members,
 * a listing of names or chains), as a power cut would (hup:N, int:N,
 * term:N: that signal instead). An installed dfwgen ignores the variable. */
#ifdef DFW_FAULTS
bool fault_wanted(const char *step);
void fault_point(const char *step);
void fault_after_step(void);
#else
static inline bool fault_wanted(const char *step) { (void)step; return false; }
static inline void fault_point(const char *step) { (void)step; }
static inline void fault_after_step(void) {}
#endif

#endif
