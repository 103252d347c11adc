/* Checks of the configuration against the host it is applied to, made only
 * when dfwgen reads the live state itself (apply, status, and generating as
 * root without --live): names of interfaces that exist, ports that Docker
 * really publishes. */
#ifndef DFW_LIVE_H
#define DFW_LIVE_H

#include "policy.h"
#include "fwstate.h"

/* [docker] external names an interface this host lacks: an error (a typo
 * there turns the final action off for every real interface). A bridge the
 * config names that does not exist yet: a warning (Docker makes bridges
 * later). */
void live_check_interfaces(const struct policy *p, struct diags *d);

/* nat: the host's nat table (Docker's DNAT rules), parsed. A [port] or
 * [containers] port that no DNAT publishes, but that is a container port
 * behind one, is a warning naming what is published. */
void live_check_published(const struct policy *p, const struct ruleset *nat, struct diags *d);

/* The tables dfwgen writes, as the host holds them now. */
struct live_fw {
	struct source *src;
	struct ruleset *rs;
	struct fw_state st; /* exact: every chain is known */
};

/* The host's whole ruleset of one family, in one call of TOOL
 * (iptables-nft-save, ...): iptables-nft reads the family's whole ruleset
 * whatever table it is asked for, 25 ms a call here. NULL (with an error)
 * when the tool fails. */
char *live_save_all(const char *tool, struct diags *d);
/* The tables of save text `text` named in `tables` (NULL-terminated), from
 * each "*TABLE" line to its COMMIT, in the text's order. */
char *live_tables(const char *text, const char *const *tables);
/* The tables dfwgen writes (filter, and mangle for the guard) as TOOL saves
 * them; NULL (with an error) when the tool fails. */
char *live_save_text(const char *tool, struct diags *d);
extern const char *const live_dfw_tables[];
/* That text read into lf. false (with an error) when it cannot be read or
 * parsed. */
bool live_read(struct live_fw *lf, const char *tool, enum family f, struct diags *d);
void live_fw_free(struct live_fw *lf);

#endif
