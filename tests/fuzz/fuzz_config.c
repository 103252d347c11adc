/* The INI loader and policy builder, then rendering and self-check. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[128], empty[128];
	snprintf(path, sizeof(path), "%s/fuzz.ini", fuzz_dir());
	snprintf(empty, sizeof(empty), "%s/empty", fuzz_dir());
	fuzz_write(path, data, size);
	char *v4[] = {"dfwgen", "-t", DFW_TREE "/templates", "-c", path, "-d", empty, "--live", "none", NULL};
	fuzz_run(v4);
	char *sets[] = {"dfwgen", "ipsets", "-t", DFW_TREE "/templates", "-c", path, "-d", empty, NULL};
	fuzz_run(sets);
	return 0;
}
