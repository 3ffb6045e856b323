/* chos-common.c: find and enter a prepared root of the current generation, as root, without following links. I/O. */
#define _GNU_SOURCE
#include "chos-common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(struct chos_err *e, int rc, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct chos_err *e, int rc, const char *hint, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	snprintf(e->hint, sizeof e->hint, "%s", hint ? hint : "");
	return rc;
}

int chos_name_valid(const char *name)
{
	size_t i;
	if (name == NULL || name[0] == '\0' || name[0] == '.' || name[0] == '-')
		return 0;
	for (i = 0; name[i] != '\0'; i++) {
		unsigned char c = (unsigned char)name[i];
		if (i >= CHOS_NAME_MAX)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '+' || c == '-'))
			return 0;
	}
	return 1;
}

/* 0 when fd is a directory owned by root and not writable by group or others. */
static int check_dir(int fd, const char *what, struct chos_err *e)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return fail(e, CHOS_ERR, NULL, "cannot inspect %s: %s", what, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return fail(e, CHOS_ERR, NULL, "%s is not a directory", what);
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return fail(e, CHOS_ERR, "an administrator must fix its owner and mode, then run 'chosctl setup'",
			    "%s is not owned by root or is writable by others; refusing it", what);
	return 0;
}

/* Opens the directory component name below dir, never through a link; checked. */
static int open_dir_at(int dir, const char *name, const char *what, int missing_rc, struct chos_err *e)
{
	int fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return fail(e, missing_rc, NULL, "%s does not exist", what);
		if (errno == ELOOP || errno == ENOTDIR)
			return fail(e, CHOS_ERR, "an administrator must run 'chosctl setup'",
				    "%s is a symbolic link or not a directory; refusing it", what);
		return fail(e, CHOS_ERR, NULL, "cannot open %s: %s", what, strerror(errno));
	}
	if (check_dir(fd, what, e) != 0) {
		close(fd);
		return CHOS_ERR;
	}
	return fd;
}

int chos_open_host_root(struct chos_err *e)
{
	struct stat dot, dotdot;
	int i, fd;
	/* Put the root below the cwd, then climb: ".." stops only at the namespace's root. */
	if (chdir("/") != 0 || chroot("/proc") != 0)
		return fail(e, CHOS_ERR, NULL, "cannot leave the current root: %s", strerror(errno));
	for (i = 0;; i++) {
		if (stat(".", &dot) != 0 || stat("..", &dotdot) != 0)
			return fail(e, CHOS_ERR, NULL, "cannot find the host's root: %s", strerror(errno));
		if (dot.st_dev == dotdot.st_dev && dot.st_ino == dotdot.st_ino)
			break;
		if (i >= 4096 || chdir("..") != 0)
			return fail(e, CHOS_ERR, NULL, "cannot find the host's root");
	}
	if (chroot(".") != 0)
		return fail(e, CHOS_ERR, NULL, "cannot return to the host's root: %s", strerror(errno));
	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return fail(e, CHOS_ERR, NULL, "cannot open the host's root: %s", strerror(errno));
	if (check_dir(fd, "the host's root directory", e) != 0) {
		close(fd);
		return CHOS_ERR;
	}
	return fd;
}

int chos_open_run_dir(int host_root, const char *run_dir, struct chos_err *e)
{
	char comp[256];
	const char *p = run_dir;
	int dir, next;
	if (run_dir == NULL || run_dir[0] != '/')
		return fail(e, CHOS_ERR, NULL, "the run directory must be an absolute path");
	dir = dup(host_root);
	if (dir < 0)
		return fail(e, CHOS_ERR, NULL, "cannot duplicate a descriptor: %s", strerror(errno));
	for (;;) {
		size_t n;
		while (*p == '/')
			p++;
		if (*p == '\0')
			return dir;
		n = strcspn(p, "/");
		if (n >= sizeof comp || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
			close(dir);
			return fail(e, CHOS_ERR, NULL, "the run directory %s is not a plain path", run_dir);
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		p += n;
		next = open_dir_at(dir, comp, "the run directory", CHOS_NOT_SETUP, e);
		close(dir);
		if (next < 0) {
			if (next == CHOS_NOT_SETUP)
				fail(e, CHOS_NOT_SETUP, "an administrator must run 'chosctl setup' (or start chos.service)",
				     "chos is not set up on this host (%s is missing)", run_dir);
			else if (strncmp(e->msg, "the run directory", 17) == 0)
				snprintf(e->msg, sizeof e->msg, "the run directory %.100s is unsafe at \"%.64s\" (a symbolic link, not a directory, or not root's alone); refusing it", run_dir, comp);
			return next;
		}
		dir = next;
	}
}

/* 1 when s is gen-<digits>-<digits>. */
static int generation_name_valid(const char *s)
{
	size_t i = 4, d1 = 0, d2 = 0;
	if (strncmp(s, "gen-", 4) != 0)
		return 0;
	while (s[i] >= '0' && s[i] <= '9')
		i++, d1++;
	if (s[i++] != '-')
		return 0;
	while (s[i] >= '0' && s[i] <= '9')
		i++, d2++;
	return s[i] == '\0' && d1 > 0 && d2 > 0 && d1 <= 20 && d2 <= 20;
}

int chos_open_generation(int run_fd, char *gen_name, size_t gen_len, struct chos_err *e)
{
	char target[64];
	ssize_t n = readlinkat(run_fd, "current", target, sizeof target - 1);
	int fd;
	if (n < 0) {
		if (errno == ENOENT)
			return fail(e, CHOS_NOT_SETUP, "an administrator must run 'chosctl setup' (or start chos.service)",
				    "chos is not set up on this host (current is missing)");
		return fail(e, CHOS_ERR, NULL, "cannot read the current generation: %s", strerror(errno));
	}
	target[n] = '\0';
	if (!generation_name_valid(target))
		return fail(e, CHOS_ERR, "an administrator must run 'chosctl setup'",
			    "the current generation has an unexpected name; refusing it");
	fd = open_dir_at(run_fd, target, "the current generation", CHOS_NOT_SETUP, e);
	if (fd >= 0 && gen_name != NULL)
		snprintf(gen_name, gen_len, "%s", target);
	return fd;
}

int chos_open_env_root(int host_root, int gen_fd, const char *name, struct chos_err *e)
{
	char buf[CHOS_NAME_MAX + 2];
	struct stat st;
	ssize_t n;
	int entries, f, roots, fd;
	if (!chos_name_valid(name))
		return fail(e, CHOS_ERR, NULL, "invalid environment name");
	entries = open_dir_at(gen_fd, "entry", "the generation's entry data", CHOS_ERR, e);
	if (entries < 0) {
		if (strstr(e->msg, "does not exist") != NULL)
			fail(e, CHOS_ERR, "an administrator must run 'chosctl setup' (generations of chos before 0.1.0 have none)",
			     "the current generation has no entry data (run chosctl setup again)");
		return CHOS_ERR;
	}
	f = openat(entries, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	close(entries);
	if (f < 0) {
		if (errno == ENOENT)
			return fail(e, CHOS_UNKNOWN, "run 'chos --list' to see the environments of this host",
				    "unknown environment \"%s\"", name);
		return fail(e, CHOS_ERR, NULL, "cannot read the entry data of \"%s\": %s", name, strerror(errno));
	}
	if (fstat(f, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		close(f);
		return fail(e, CHOS_ERR, NULL, "the entry data of \"%s\" is not a root-owned regular file; refusing it", name);
	}
	n = read(f, buf, sizeof buf);
	close(f);
	if (n < 0)
		return fail(e, CHOS_ERR, NULL, "cannot read the entry data of \"%s\": %s", name, strerror(errno));
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n < 0 || (size_t)n > CHOS_NAME_MAX)
		return fail(e, CHOS_ERR, NULL, "the entry data of \"%s\" is malformed", name);
	buf[n] = '\0';
	if (strcmp(buf, "/") == 0) {
		fd = fcntl(host_root, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			return fail(e, CHOS_ERR, NULL, "cannot duplicate a descriptor: %s", strerror(errno));
		return fd;
	}
	if (!chos_name_valid(buf))
		return fail(e, CHOS_ERR, NULL, "the entry data of \"%s\" is malformed", name);
	roots = open_dir_at(gen_fd, "roots", "the generation's roots directory", CHOS_ERR, e);
	if (roots < 0)
		return CHOS_ERR;
	fd = open_dir_at(roots, buf, "the prepared root", CHOS_ERR, e);
	close(roots);
	if (fd < 0)
		snprintf(e->msg + strlen(e->msg), sizeof e->msg - strlen(e->msg), " (environment \"%s\")", name);
	return fd;
}

int chos_open_env(const char *run_dir, const char *name, struct chos_err *e)
{
	int host, run, gen, fd;
	if (!chos_name_valid(name))
		return fail(e, CHOS_ERR, NULL, "invalid environment name");
	host = chos_open_host_root(e);
	if (host < 0)
		return host;
	run = chos_open_run_dir(host, run_dir, e);
	if (run < 0) {
		close(host);
		return run;
	}
	gen = chos_open_generation(run, NULL, 0, e);
	close(run);
	if (gen < 0) {
		close(host);
		return gen;
	}
	fd = chos_open_env_root(host, gen, name, e);
	close(gen);
	close(host);
	return fd;
}

int chos_enter_root(int root_fd, struct chos_err *e)
{
	if (fchdir(root_fd) != 0)
		return fail(e, CHOS_ERR, NULL, "cannot change to the environment's root: %s", strerror(errno));
	if (chroot(".") != 0)
		return fail(e, CHOS_ERR, NULL, "cannot enter the environment's root: %s", strerror(errno));
	return 0;
}
