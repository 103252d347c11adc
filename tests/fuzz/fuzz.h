/* libFuzzer targets drive dfwgen's real command line (main is renamed to
 * dfwgen_main at build time): the input is written to a file and dfwgen runs
 * on it with the arguments the target gives. Crashes, leaks, undefined
 * behaviour and hangs are what the fuzzer looks for; exit codes are fine. */
#ifndef DFW_FUZZ_H
#define DFW_FUZZ_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int dfwgen_main(int argc, char **argv);

/* A private scratch directory for this fuzzing process. */
static const char *fuzz_dir(void)
{
	static char dir[64];
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/dfwgen-fuzz-%d", (int)getpid());
		mkdir(dir, 0700);
		char empty[96];
		snprintf(empty, sizeof(empty), "%s/empty", dir);
		mkdir(empty, 0700);
	}
	return dir;
}

static void fuzz_write(const char *path, const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
}

/* Runs dfwgen with argv (NULL-terminated); getopt starts afresh each time. */
static int fuzz_run(char **argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	optind = 0;
	return dfwgen_main(argc, argv);
}

#endif
