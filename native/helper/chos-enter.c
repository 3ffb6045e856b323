/* chos-enter.c: the setuid-root entry helper: enter a prepared root, drop every privilege for good, exec the command. I/O, runs as root. */
/*
 * Usage: chos-enter NAME COMMAND [ARG...]   (run by bin/chos in ENTRY="setuid" mode)
 * Exit status: 125 when it fails before the command runs; 126 when the command cannot be run,
 * 127 when it is not found (as env(1)); else the command's own. See docs/security.md.
 */
#define _GNU_SOURCE
#include "chos-common.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_GROUPS 65536

static gid_t groups[MAX_GROUPS];

/* Writes s to stderr, control and non-ASCII bytes escaped as \xNN. */
static void put_escaped(const char *s)
{
	char buf[1024];
	size_t n = 0;
	for (; *s != '\0' && n < sizeof buf - 8; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf[n++] = (char)c;
		else
			n += (size_t)snprintf(buf + n, sizeof buf - n, "\\x%02x", c);
	}
	if (write(2, buf, n) < 0)
		return;
}

static void say(const char *s)
{
	if (write(2, s, strlen(s)) < 0)
		return;
}

/* One error line (msg is ours, or holds only checked names), an optional hint, then exit. */
static _Noreturn void die(int status, const char *msg, const char *hint)
{
	say("chos: error: ");
	say(msg);
	say("\n");
	if (hint != NULL && hint[0] != '\0') {
		say("hint: ");
		say(hint);
		say("\n");
	}
	_exit(status);
}

static _Noreturn void die_errno(const char *what)
{
	char msg[256];
	snprintf(msg, sizeof msg, "%s: %s", what, strerror(errno));
	die(125, msg, NULL);
}

/* fds 0-2 open (on /dev/null when closed), every other one closed. */
static void sanitize_fds(void)
{
	int fd;
	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		if (errno != EBADF || open("/dev/null", O_RDWR) != fd)
			_exit(125); /* cannot even report it on a known descriptor */
	}
	if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
		die_errno("cannot close inherited file descriptors");
}

static int caps_all_zero(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	memset(d, 0xff, sizeof d);
	if (syscall(SYS_capget, &h, d) != 0)
		return 0;
	return d[0].effective == 0 && d[0].permitted == 0 && d[0].inheritable == 0 &&
	       d[1].effective == 0 && d[1].permitted == 0 && d[1].inheritable == 0;
}

/* Drops every privilege for good; returns only when going back is impossible. */
static void drop_privileges(uid_t uid, gid_t gid, int ngroups)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	uid_t r, e, s;
	gid_t rg, eg, sg;
	int cap;

	for (cap = 0; cap < 64; cap++) {
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
			if (errno == EINVAL)
				break; /* past the kernel's last capability */
			die_errno("cannot drop the capability bounding set");
		}
	}
	/* uid 0 gains nothing by exec, capabilities never survive a uid change, none in ambient. */
	if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP_LOCKED |
		  SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED, 0, 0, 0) != 0)
		die_errno("cannot lock the secure bits");
	if (setgroups((size_t)ngroups, groups) != 0)
		die_errno("cannot set the supplementary groups");
	if (setresgid(gid, gid, gid) != 0)
		die_errno("cannot set the group ids");
	if (setresuid(uid, uid, uid) != 0)
		die_errno("cannot set the user ids");
	memset(d, 0, sizeof d);
	if (syscall(SYS_capset, &h, d) != 0)
		die_errno("cannot clear the capabilities");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
		die_errno("cannot clear the ambient capabilities");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		die_errno("cannot set no_new_privs");

	/* Check: nothing can be regained. */
	if (getresuid(&r, &e, &s) != 0 || r != uid || e != uid || s != uid ||
	    getresgid(&rg, &eg, &sg) != 0 || rg != gid || eg != gid || sg != gid)
		die(125, "the user and group ids did not change as expected", NULL);
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
		die(125, "root could be regained after dropping privileges; refusing to go on", NULL);
	if (gid != 0 && (setgid(0) == 0 || setegid(0) == 0))
		die(125, "group root could be regained after dropping privileges; refusing to go on", NULL);
	if (!caps_all_zero() || prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0) != 0)
		die(125, "capabilities remain after dropping privileges; refusing to go on", NULL);
}

/*
 * The caller's environment as it was at exec, read back from /proc/self/environ (of the
 * host's /proc, while still root: a non-dumpable process's /proc files are root's): glibc removes LD_LIBRARY_PATH, TMPDIR and the like from a setuid
 * program's environ, but the command, which runs with the caller's rights, must get them.
 * Returns NULL when it cannot be read (then the command gets what glibc left).
 */
#define ENV_BYTES ((size_t)4 << 20)
#define ENV_COUNT 262144
static char env_buf[ENV_BYTES];
static char *env_vec[ENV_COUNT + 1];

static char **caller_environ(void)
{
	size_t len = 0, n = 0, i;
	ssize_t got = 0;
	int fd = open("/proc/self/environ", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	while (len < ENV_BYTES - 1 && (got = read(fd, env_buf + len, ENV_BYTES - 1 - len)) > 0)
		len += (size_t)got;
	close(fd);
	if (got < 0 || len >= ENV_BYTES - 1)
		return NULL; /* too big to hold: the command gets what glibc left */
	env_buf[len] = '\0';
	for (i = 0; i < len; i += strlen(env_buf + i) + 1) {
		if (strchr(env_buf + i, '=') == NULL)
			continue;
		if (n >= ENV_COUNT)
			return NULL;
		env_vec[n++] = env_buf + i;
	}
	env_vec[n] = NULL;
	return env_vec;
}

int main(int argc, char **argv)
{
	static char wd[PATH_MAX];
	struct chos_err err;
	struct statx before, after;
	char **env;
	uid_t uid;
	gid_t gid;
	int ngroups, root, rc;
	const char *home;

	/* No core file and no ptrace by the caller while privileged. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		_exit(125);
	sanitize_fds();
	if (argc < 3 || argv[1] == NULL || argv[2] == NULL)
		die(125, "usage: chos-enter NAME COMMAND [ARG...]", "chos-enter is run by chos; run 'chos COMMAND' instead");
	uid = getuid();
	gid = getgid();
	if (geteuid() != 0)
		die(125, "the entry helper is not running as root (not installed setuid root, or started in a user namespace)",
		    "an administrator must set ENTRY=\"setuid\" in /etc/sysconfig/chos and run 'chosctl setup'");
	ngroups = getgroups(MAX_GROUPS, groups);
	if (ngroups < 0)
		die_errno("cannot read your groups");
	if (!chos_name_valid(argv[1]))
		die(125, "invalid environment name",
		    "names hold only letters, digits, '.', '_', '+' and '-'; run 'chos --list' to see them");
	if (getcwd(wd, sizeof wd) == NULL || wd[0] != '/')
		wd[0] = '\0';

	if (statx(AT_FDCWD, "/", 0, STATX_INO | STATX_MNT_ID, &before) != 0)
		die_errno("cannot inspect /");
	root = chos_open_env(CHOS_RUN_DIR, argv[1], NULL, 0, &err);
	if (root < 0)
		die(125, err.msg, err.hint);
	/* chos_open_env left the root at the namespace's: a caller in a chroot (a jail) was not there. */
	/* Compared by mount too: a bind mount of / has the same device and inode. */
	if (statx(AT_FDCWD, "/", 0, STATX_INO | STATX_MNT_ID, &after) != 0 ||
	    (before.stx_mask & after.stx_mask & STATX_MNT_ID) == 0 || before.stx_mnt_id != after.stx_mnt_id ||
	    before.stx_dev_major != after.stx_dev_major || before.stx_dev_minor != after.stx_dev_minor ||
	    before.stx_ino != after.stx_ino)
		die(125, "chos cannot enter an environment from inside a chroot",
		    "run chos from the host, outside any environment");
	env = caller_environ();
	if (chos_enter_root(root, &err) != 0)
		die(125, err.msg, err.hint);
	close(root);
	drop_privileges(uid, gid, ngroups);

	/* As the caller: the working directory if it exists inside, else HOME, else /. */
	home = getenv("HOME");
	if (wd[0] == '\0' || chdir(wd) != 0) {
		if (home == NULL || home[0] != '/' || chdir(home) != 0) {
			if (chdir("/") != 0)
				die_errno("cannot change to /");
		}
	}
	if (env != NULL)
		execvpe(argv[2], argv + 2, env);
	else
		execvp(argv[2], argv + 2);
	rc = errno == ENOENT ? 127 : 126;
	say("chos: error: cannot run \"");
	put_escaped(argv[2]);
	say("\": ");
	say(strerror(errno));
	say("\n");
	return rc;
}
