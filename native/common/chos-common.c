/* chos-common.c: read the user's choice (step 1 of docs/selection.md); find and enter a prepared root of the current generation, as root, without following links. I/O. */
#define _GNU_SOURCE
#include "chos-common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/fsuid.h>
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

int chos_open_env_root(int host_root, int gen_fd, const char *name, char *target, size_t tlen, struct chos_err *e)
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
	if (strcmp(buf, "/") != 0 && !chos_name_valid(buf))
		return fail(e, CHOS_ERR, NULL, "the entry data of \"%s\" is malformed", name);
	if (target != NULL && tlen > (size_t)n)
		memcpy(target, buf, (size_t)n + 1);
	if (strcmp(buf, "/") == 0) {
		fd = fcntl(host_root, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			return fail(e, CHOS_ERR, NULL, "cannot duplicate a descriptor: %s", strerror(errno));
		return fd;
	}
	roots = open_dir_at(gen_fd, "roots", "the generation's roots directory", CHOS_ERR, e);
	if (roots < 0)
		return CHOS_ERR;
	fd = open_dir_at(roots, buf, "the prepared root", CHOS_ERR, e);
	close(roots);
	if (fd < 0)
		snprintf(e->msg + strlen(e->msg), sizeof e->msg - strlen(e->msg), " (environment \"%s\")", name);
	return fd;
}

int chos_open_env(const char *run_dir, const char *name, char *target, size_t tlen, struct chos_err *e)
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
	fd = chos_open_env_root(host, gen, name, target, tlen, e);
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

#define HINT_LIST "run 'chos --list' to see the environments of this host"
#define HINT_REPLACE "replace it with a file naming an environment: chos --use NAME"

/* HOME/.chos as the reader may see it (the rules' order: is it there, a regular file, readable). */
static int user_file(const char *home, const struct chos_reader *as, char *out, size_t outlen, struct chos_err *e)
{
	char path[4200], buf[CHOS_FILE_MAX];
	struct stat st;
	size_t n = 0;
	ssize_t k = 0;
	int fd, r;
	const char *why = NULL;
	if ((size_t)snprintf(path, sizeof path, "%s/.chos", home) >= sizeof path || lstat(path, &st) != 0)
		return 0; /* nothing by that name can be seen: no choice */
	if (!as->privileged && S_ISLNK(st.st_mode) && stat(path, &st) != 0)
		return fail(e, CHOS_USER_FILE, HINT_REPLACE, "~/.chos is not a regular file");
	if (!S_ISREG(st.st_mode))
		return fail(e, CHOS_USER_FILE, HINT_REPLACE, "~/.chos is not a regular file");
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | (as->privileged ? O_NOFOLLOW : 0));
	if (fd < 0)
		return fail(e, CHOS_USER_FILE, "make it readable (chmod u+r ~/.chos), or replace it: chos --use NAME",
			    "~/.chos cannot be read");
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return fail(e, CHOS_USER_FILE, HINT_REPLACE, "~/.chos is not a regular file");
	}
	if (as->privileged && st.st_uid != as->uid) {
		close(fd);
		return fail(e, CHOS_USER_FILE, "replace it with a file of your own: chos --use NAME",
			    "~/.chos is not a regular file of yours");
	}
	while (n < sizeof buf && ((k = read(fd, buf + n, sizeof buf - n)) > 0 || (k < 0 && errno == EINTR)))
		n += k > 0 ? (size_t)k : 0;
	r = close(fd);
	if (k < 0 || r != 0)
		return fail(e, CHOS_USER_FILE, "make it readable (chmod u+r ~/.chos), or replace it: chos --use NAME",
			    "~/.chos cannot be read");
	r = chos_user_file_name(buf, n, out, outlen, &why);
	if (r == CHOS_INVALID_NAME)
		return fail(e, r, HINT_LIST, "invalid environment name from ~/.chos: %s", why);
	return r;
}

int chos_choice(const char *chos, const char *home, const struct chos_reader *as, char *out, size_t outlen,
		const char **from, struct chos_err *e)
{
	const char *why;
	int fsuid = 0, fsgid = 0, r;
	size_t len;
	*from = "$CHOS";
	if (chos != NULL && chos[0] != '\0') {
		len = strlen(chos);
		why = chos_name_problem(chos, len);
		if (why == NULL && len >= outlen)
			why = CHOS_WHY_LONG;
		if (why != NULL)
			return fail(e, CHOS_INVALID_NAME, HINT_LIST, "invalid environment name from $CHOS: %s", why);
		memcpy(out, chos, len + 1);
		return 1;
	}
	*from = "~/.chos";
	if (home == NULL || home[0] == '\0')
		return 0;
	if (!as->privileged)
		return user_file(home, as, out, outlen, e);
	/* setfsuid reports nothing but the previous id: each change is checked by reading it back. */
	fsgid = setfsgid(as->gid);
	fsuid = setfsuid(as->uid);
	if ((uid_t)setfsuid((uid_t)-1) != as->uid || (gid_t)setfsgid((gid_t)-1) != as->gid)
		r = fail(e, CHOS_ERR, NULL, "cannot take the user's identity to read ~/.chos");
	else
		r = user_file(home, as, out, outlen, e);
	setfsuid((uid_t)fsuid);
	setfsgid((gid_t)fsgid);
	if (setfsuid((uid_t)-1) != fsuid || setfsgid((gid_t)-1) != fsgid)
		return fail(e, CHOS_ERR, NULL, "cannot take back the file-system ids after reading ~/.chos");
	return r;
}
