/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Runs a fuzz target's LLVMFuzzerTestOneInput over files given on the
 * command line, so that every seed and every past crash is a regression
 * test built with gcc (and ASan in check-asan) without libFuzzer.
 * Prints TAP: one "ok" per file that returned without crashing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return -1;
	static uint8_t buf[1 << 20];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	/* Copy to an exact-size heap block so ASan sees any over-read. */
	uint8_t *exact = malloc(n ? n : 1);
	if (exact == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		exact[i] = buf[i];
	LLVMFuzzerTestOneInput(exact, n);
	free(exact);
	return 0;
}

int main(int argc, char **argv)
{
	int failed = 0;
	printf("1..%d\n", argc - 1);
	for (int i = 1; i < argc; i++) {
		int ret = replay_file(argv[i]);
		printf("%s %d - %s\n", ret == 0 ? "ok" : "not ok", i, argv[i]);
		failed += ret != 0;
	}
	return failed ? 1 : 0;
}
