/* The host's firewall tools: running them, choosing the iptables flavour
 * (nft or legacy) the host and Docker use, and dfwgen's state directory.
 * Only `apply`, `confirm` and `status` come here; nothing else touches the host. */
#ifndef DFW_HOST_H
#define DFW_HOST_H

#include "addr.h"

#include <stdbool.h>
#include <stddef.h>

struct cmd_result {
	int status;   /* exit status; 127: could not run; 128+N: killed by signal N */
	char *out;    /* standard output */
	char *err;    /* standard error */
};

/* Runs argv (PATH lookup), feeding input to its standard input. */
struct cmd_result host_run(const char *const *argv, const char *input);
void cmd_result_free(struct cmd_result *r);

/* "nft" or "legacy": forced, or the flavour whose filter table holds Docker's
 * chains, else the one `iptables` points to. */
const char *host_backend(const char *forced);
/* "iptables-nft-save", "ip6tables-legacy-restore", ... */
void host_tool(char *buf, size_t size, const char *backend, enum family f, const char *verb);

/* Takes the state directory's lock (waits for another apply); -1 on failure. */
int host_lock(const char *state_dir, char *err, size_t errsize);

#endif
