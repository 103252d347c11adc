/* dfwgen's one thread site. Two jobs that share nothing they write run at
 * once, one on a second thread; the ordering rule: the caller reads what
 * either wrote only after both_run returns, and combines the results in a
 * fixed order of its own (never in the order the jobs happened to end).
 * Used where a `make bench` target needs it (docs/design.md, Threads). */
#ifndef DFW_BOTH_H
#define DFW_BOTH_H

#include <stdbool.h>
#include <stddef.h>

typedef void both_fn(void *arg);

/* Runs here(here_arg) on this thread and there(there_arg) on a second one,
 * with every signal blocked (handlers and waits stay this thread's), and
 * returns when both have. When no thread can be made, runs them one after
 * the other: the result is the same. */
void both_run(both_fn *here, void *here_arg, both_fn *there, void *there_arg);

/* Whether splitting work over `rules` rules (or rule lines) pays: from
 * 4,096 on, and when a second CPU can run the second thread; below, making
 * the thread costs more than it saves. */
bool both_worthwhile(size_t rules);

#endif
