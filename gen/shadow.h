/* Shadowing (Al-Shaer's taxonomy) as part of the check stage: a rule no packet
 * reaches because an earlier terminal rule matches all of its packets. */
#ifndef DFW_SHADOW_H
#define DFW_SHADOW_H

#include "fwstate.h"

/* Checks every chain of st holding rules of rs. Reports unreachable-rule and
 * shadowed-rule (errors), redundant-rule and duplicate-rule (warnings). What
 * it cannot model counts as "may not cover", so it never reports a false shadow. */
void shadow_check(const struct ruleset *rs, struct fw_state *st, struct diags *d);

#endif
