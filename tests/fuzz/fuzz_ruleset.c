/* The restore-file parser, the state simulator and every check. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/fuzz.rules", fuzz_dir());
	fuzz_write(path, data, size);
	char *noflush[] = {"dfwgen", "check", path, NULL};
	fuzz_run(noflush);
	char *full[] = {"dfwgen", "check", "--full", "-6", path, NULL};
	fuzz_run(full);
	return 0;
}
