/* The command line: the command, its options, and which options belong to
 * which commands. */
#ifndef DFW_OPTIONS_H
#define DFW_OPTIONS_H

#include "addr.h"
#include "diag.h"

#include <stdbool.h>
#include <stddef.h>

#ifndef DFW_VERSION
#define DFW_VERSION "0.1.0"
#endif
#ifndef DFW_TEMPLATE_DIR
#define DFW_TEMPLATE_DIR "/usr/local/share/dfwgen/templates"
#endif
#ifndef DFW_SYSCONF_DIR
#define DFW_SYSCONF_DIR "/etc/dfwgen"
#endif

enum exit_code { EXIT_OK = 0, EXIT_INVARIANT = 1, EXIT_USAGE = 2 };

struct options {
	const char *command;
	const char *config, *dropins, *templates, *live, *output;
	const char *state_dir, *backend;
	int confirm_seconds;
	bool dry_run, hook, boot, adopt, lax_modes;
	enum family family;
	bool full;
	enum diag_format format;
	bool werror;
	unsigned ssh_port;
	bool ssh_port_set;
	const char **set_files;
	size_t nset_files, set_cap;
	const char **files;
	size_t nfiles, files_cap;
};

/* Fills o from argv; EXIT_OK, or EXIT_USAGE after saying why. --help and
 * --version print and exit. */
int parse_args(int argc, char **argv, struct options *o);

#endif
