/* chos-select-probe.c: prints step 1 of the selection rules as the C side (native/common) answers it. I/O. */
/*
 * Usage: chos-select-probe [--as UID:GID]
 * Reads $CHOS and $HOME of its own environment, as the Slurm plugin reads the job's, and prints
 * three lines: "ok", the name, the source; "none" and two empty lines (no choice); or the problem
 * (invalid-name, user-file, error), the message and the hint. --as (run as root) reads ~/.chos as
 * the plugin's root mode does, with those file-system ids. For test/unit/select/differential.test.ts.
 */
#include "chos-common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_id(const char *s, char **end, unsigned long *out)
{
	errno = 0;
	*out = strtoul(s, end, 10);
	return errno == 0 && *end != s && *out < 0xffffffffUL;
}

int main(int argc, char **argv)
{
	struct chos_reader as = { 0, 0, 0 };
	struct chos_err e = { "", "" };
	char name[CHOS_NAME_MAX + 1], *end;
	const char *from = "", *problem;
	unsigned long uid, gid;
	int r;
	if (argc == 3 && strcmp(argv[1], "--as") == 0 && parse_id(argv[2], &end, &uid) && *end == ':' &&
	    parse_id(end + 1, &end, &gid) && *end == '\0') {
		as.privileged = 1;
		as.uid = (uid_t)uid;
		as.gid = (gid_t)gid;
	} else if (argc != 1) {
		fprintf(stderr, "usage: chos-select-probe [--as UID:GID]\n");
		return 2;
	}
	r = chos_choice(getenv("CHOS"), getenv("HOME"), &as, name, sizeof name, &from, &e);
	if (r == 1)
		printf("ok\n%s\n%s\n", name, from);
	else if (r == 0)
		printf("none\n\n\n");
	else {
		problem = r == CHOS_INVALID_NAME ? "invalid-name" : r == CHOS_USER_FILE ? "user-file" : "error";
		printf("%s\n%s\n%s\n", problem, e.msg, e.hint);
	}
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}
