/* The template renderer: the input is a user's host.rules template. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char dir[128], path[160];
	snprintf(dir, sizeof(dir), "%s/tpl", fuzz_dir());
	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/host.rules", dir);
	fuzz_write(path, data, size);
	snprintf(path, sizeof(path), "%s/containers.rules", dir);
	if (access(path, F_OK) != 0) {
		FILE *in = fopen(DFW_TREE "/templates/containers.rules", "rb");
		FILE *out = fopen(path, "wb");
		int c;
		while (in && out && (c = fgetc(in)) != EOF)
			fputc(c, out);
		if (in)
			fclose(in);
		if (out)
			fclose(out);
	}
	char *argv[] = {"dfwgen", "-t", dir, "-c", DFW_TREE "/tests/fuzz/template.ini", "-d", dir, "--live", "none", NULL};
	fuzz_run(argv);
	return 0;
}
