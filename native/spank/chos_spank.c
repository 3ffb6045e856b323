/* chos_spank.c: Slurm SPANK plugin that starts every task of a job in the chos environment the user chose. I/O. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <slurm/slurm.h>
#include <slurm/spank.h>

#include "../common/chos-common.h"

SPANK_PLUGIN(chos, 1);

#define FAIL (-1)      /* what every hook returns on failure: Slurm fails the task (never > 0) */

enum mode { MODE_USER, MODE_ROOT };
static enum mode mode = MODE_USER;
static char run_dir[256] = CHOS_RUN_DIR;
static char opt_name[CHOS_NAME_MAX + 1];
static int opt_given;

/* One line for the user: srun's stderr, or the batch job's output. Never holds unchecked input. */
static int refuse(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int refuse(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	slurm_error("chos: %s", msg);
	return FAIL;
}

static int refuse_err(const struct chos_err *e)
{
	return refuse("error: %s%s%s", e->msg, e->hint[0] ? "; hint: " : "", e->hint);
}

static int opt_cb(int val, const char *optarg, int remote)
{
	const char *why;
	(void)val;
	(void)remote;
	if (optarg == NULL || optarg[0] == '\0')
		return refuse("--chos needs an environment name (see chos --list)");
	why = chos_name_problem(optarg, strlen(optarg));
	if (why != NULL)
		return refuse("invalid environment name from --chos: %s", why);
	snprintf(opt_name, sizeof opt_name, "%s", optarg);
	opt_given = 1;
	return 0;
}

static struct spank_option chos_option = {
	"chos", "NAME", "run the job's tasks in chos environment NAME (see chos --list)", 1, 0, opt_cb,
};

int slurm_spank_init(spank_t sp, int ac, char **av)
{
	int i;
	for (i = 0; i < ac; i++) {
		if (strcmp(av[i], "mode=user") == 0)
			mode = MODE_USER;
		else if (strcmp(av[i], "mode=root") == 0)
			mode = MODE_ROOT;
		else if (strncmp(av[i], "run_dir=/", 9) == 0 && strlen(av[i] + 8) < sizeof run_dir)
			snprintf(run_dir, sizeof run_dir, "%s", av[i] + 8);
		else
			return refuse("error: unknown argument in plugstack.conf (expected mode=user, mode=root or run_dir=PATH)");
	}
	/* In every context, so that srun, sbatch and salloc all know --chos. */
	if (spank_option_register(sp, &chos_option) != ESPANK_SUCCESS)
		return refuse("error: cannot register the --chos option");
	return 0;
}

/* The job's value of var, or NULL. */
static const char *job_env(char **env, const char *var)
{
	size_t n = strlen(var);
	for (; env != NULL && *env != NULL; env++)
		if (strncmp(*env, var, n) == 0 && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

/*
 * The choice: --chos, else step 1 of docs/selection.md on the job's $CHOS and ~/.chos (native/common,
 * which a root-mode plugin reads with the user's file-system ids). 1 with a name, 0 none, or FAIL.
 */
static int choose(spank_t sp, const struct chos_reader *as, char *name, size_t len, const char **from)
{
	struct chos_err e;
	char *arg = NULL, **env = NULL;
	int r;
	if (!opt_given && spank_option_getopt(sp, &chos_option, &arg) == ESPANK_SUCCESS && arg != NULL && opt_cb(0, arg, 1) != 0)
		return FAIL;
	if (opt_given) {
		snprintf(name, len, "%s", opt_name);
		*from = "--chos";
		return 1;
	}
	if (spank_get_item(sp, S_JOB_ENV, &env) != ESPANK_SUCCESS)
		return refuse("error: cannot read the job's environment from Slurm");
	r = chos_choice(job_env(env, "CHOS"), job_env(env, "HOME"), as, name, len, from, &e);
	return r >= 0 ? r : refuse_err(&e);
}

/* User mode: reads root='...' and name='...' from RUN/current/env/NAME. 0, -2 unknown, or -1. */
static int env_file(const char *name, char *root, size_t rlen, char *alias, size_t alen)
{
	char path[512], buf[8192], *line, *save = NULL;
	ssize_t n;
	int fd;
	snprintf(path, sizeof path, "%s/current/env/%s", run_dir, name);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -2 : -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	root[0] = '\0';
	for (line = strtok_r(buf, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *dst = NULL, *end;
		size_t dlen = 0;
		if (strncmp(line, "root='", 6) == 0)
			dst = root, dlen = rlen, line += 6;
		else if (strncmp(line, "name='", 6) == 0)
			dst = alias, dlen = alen, line += 6;
		else
			continue;
		end = strchr(line, '\'');
		if (end == NULL || end[1] != '\0' || (size_t)(end - line) >= dlen)
			return -1;
		memcpy(dst, line, (size_t)(end - line));
		dst[end - line] = '\0';
	}
	return root[0] == '/' ? 0 : -1;
}

/* The record of docs/slurm.md, made on the host (the user's name is looked up before entering). */
static void record_text(char *out, size_t len, uid_t uid, const char *env, uint32_t job, uint32_t step, uint32_t task)
{
	struct passwd pw, *res = NULL;
	char buf[4096], st[16];
	const char *user = "?";
	if (getpwuid_r(uid, &pw, buf, sizeof buf, &res) == 0 && res != NULL && chos_name_valid(res->pw_name))
		user = res->pw_name;
	if (step == SLURM_BATCH_SCRIPT)
		snprintf(st, sizeof st, "batch");
	else if (step == SLURM_INTERACTIVE_STEP)
		snprintf(st, sizeof st, "interactive");
	else
		snprintf(st, sizeof st, "%u", (unsigned)step);
	snprintf(out, len, "user=%s uid=%u env=%s via=slurm job=%u step=%s task=%u", user, (unsigned)uid, env, (unsigned)job,
		 st, (unsigned)task);
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t len = (ssize_t)strlen(text), n;
	if (fd < 0)
		return -1;
	n = write(fd, text, (size_t)len);
	if (close(fd) != 0 || n != len)
		return -1;
	return 0;
}

/* User mode: a user namespace mapping only the user, then the prepared root. */
static int enter_user(const char *root, uid_t uid, gid_t gid)
{
	char map[64];
	int was = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), fd;
	if (unshare(CLONE_NEWUSER) != 0)
		return refuse("error: cannot create a user namespace: %s; an administrator may use mode=root", strerror(errno));
	/* The task has just changed its ids, which made it non-dumpable: its uid_map and gid_map would be root's. */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0)
		return refuse("error: cannot make the task dumpable: %s", strerror(errno));
	snprintf(map, sizeof map, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	if (write_file("/proc/self/uid_map", map) != 0)
		return refuse("error: cannot write the uid map: %s", strerror(errno));
	if (write_file("/proc/self/setgroups", "deny") != 0)
		return refuse("error: cannot deny setgroups: %s", strerror(errno));
	snprintf(map, sizeof map, "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	if (write_file("/proc/self/gid_map", map) != 0)
		return refuse("error: cannot write the gid map: %s", strerror(errno));
	if (was >= 0 && prctl(PR_SET_DUMPABLE, was, 0, 0, 0) != 0)
		return refuse("error: cannot restore the dumpable flag: %s", strerror(errno));
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return refuse("error: cannot open the prepared root: %s", strerror(errno));
	if (fchdir(fd) != 0 || chroot(".") != 0) {
		close(fd);
		return refuse("error: cannot enter the prepared root: %s", strerror(errno));
	}
	close(fd);
	return 0;
}

/*
 * A command name Slurm could not find on the host (srun leaves it bare, as with --export=NONE)
 * is looked up in the job's PATH inside the environment, else in the usual directories.
 */
static int search_path(spank_t sp, char **argv)
{
	char pathvar[4096], *dir, *save = NULL, *cand;
	if (spank_getenv(sp, "PATH", pathvar, sizeof pathvar) != ESPANK_SUCCESS || pathvar[0] == '\0')
		snprintf(pathvar, sizeof pathvar, "%s", "/usr/local/bin:/usr/bin:/bin");
	for (dir = strtok_r(pathvar, ":", &save); dir != NULL; dir = strtok_r(NULL, ":", &save)) {
		if (dir[0] != '/' || asprintf(&cand, "%s/%s", dir, argv[0]) < 0)
			continue;
		if (access(cand, X_OK) == 0) {
			argv[0] = cand; /* the forked task's own array, which Slurm executes */
			return 0;
		}
		free(cand);
	}
	return 0; /* Slurm reports the command as not found */
}

/*
 * After the chroot: the working directory if it exists inside, else HOME, else /. A batch script
 * lives in slurmd's spool directory on the host: it is run through /local, the host's root that
 * every environment has, after checking that both names lead to the same file.
 */
static int settle(spank_t sp, const char *cwd, const struct stat *script, char **argv)
{
	char home[4096], *local;
	struct stat st;
	if (cwd[0] == '\0' || chdir(cwd) != 0) {
		if (spank_getenv(sp, "HOME", home, sizeof home) != ESPANK_SUCCESS || chdir(home) != 0)
			if (chdir("/") != 0)
				return refuse("error: cannot change to / inside the environment: %s", strerror(errno));
	}
	if (script == NULL)
		return argv != NULL && argv[0] != NULL && strchr(argv[0], '/') == NULL ? search_path(sp, argv) : 0;
	if (asprintf(&local, "/local%s", argv[0]) < 0)
		return refuse("error: out of memory");
	if (stat(local, &st) != 0 || st.st_dev != script->st_dev || st.st_ino != script->st_ino) {
		free(local);
		return refuse("error: the batch script cannot be reached inside the environment through /local");
	}
	argv[0] = local; /* the forked task's own copy of the array, which Slurm executes */
	return 0;
}

static int task_enter(spank_t sp, int privileged)
{
	char name[CHOS_NAME_MAX + 1] = "", root[512] = "/", alias[CHOS_NAME_MAX + 1] = "", cwd[4096] = "", record[320];
	const char *from = "", *chosen;
	struct chos_reader as = { privileged, 0, 0 };
	struct chos_err e;
	uint32_t job = 0, step = 0, task = 0;
	int argc = 0, r, rc = 0, fd = -1, inside, moved;
	char **argv = NULL;
	struct stat script, st;
	if (spank_get_item(sp, S_JOB_UID, &as.uid) != ESPANK_SUCCESS || spank_get_item(sp, S_JOB_GID, &as.gid) != ESPANK_SUCCESS ||
	    spank_get_item(sp, S_JOB_ID, &job) != ESPANK_SUCCESS || spank_get_item(sp, S_JOB_STEPID, &step) != ESPANK_SUCCESS ||
	    spank_get_item(sp, S_TASK_GLOBAL_ID, &task) != ESPANK_SUCCESS || spank_get_item(sp, S_JOB_ARGV, &argc, &argv) != ESPANK_SUCCESS)
		return refuse("error: cannot read the job's ids from Slurm");
	if (step == SLURM_EXTERN_CONT)
		return 0;
	r = choose(sp, &as, name, sizeof name, &from);
	if (r < 0)
		return FAIL;
	if (r == 0)
		snprintf(name, sizeof name, "%s", "default");
	chosen = name;
	moved = privileged && strcmp(name, "root") != 0; /* chos_open_env moves the task's root and cwd */
	if (strcmp(name, "root") != 0) {
		char path[512];
		snprintf(path, sizeof path, "%s/current/env", run_dir);
		if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
			return refuse("error: chos is not set up on this node (%s/current is missing); hint: an administrator must run 'chosctl setup'", run_dir);
	}
	if (getcwd(cwd, sizeof cwd) == NULL)
		cwd[0] = '\0';
	if (step == SLURM_BATCH_SCRIPT && (argc < 1 || argv[0] == NULL || argv[0][0] != '/' || stat(argv[0], &script) != 0))
		return refuse("error: cannot find the batch script");
	if (moved) {
		fd = chos_open_env(run_dir, name, alias, sizeof alias, &e);
		if (fd == CHOS_UNKNOWN && r == 0)
			chosen = "root"; /* no choice and no default: the host (back where the task was, below) */
		else if (fd == CHOS_UNKNOWN)
			return refuse("error: unknown environment \"%s\" (from %s); hint: run 'chos --list' to see the environments", name, from);
		else if (fd < 0)
			return refuse_err(&e);
		else if (chos_name_valid(alias))
			chosen = alias; /* an alias's environment ("/", the host, keeps the name) */
	} else if (strcmp(name, "root") != 0) {
		int x = env_file(name, root, sizeof root, alias, sizeof alias);
		if (x == -2 && r == 0 && env_file("root", root, sizeof root, alias, sizeof alias) == 0)
			chosen = "root"; /* no choice and no default: the host */
		else if (x == -2)
			return refuse("error: unknown environment \"%s\" (from %s); hint: run 'chos --list' to see the environments", name, from);
		else if (x != 0)
			return refuse("error: cannot read the set-up of environment \"%s\"", name);
		if (alias[0] != '\0' && chos_name_valid(alias))
			chosen = alias;
	}
	inside = fd >= 0 || strcmp(root, "/") != 0;
	/* Connected now, written once the task is in: the tree's /dev/log is not the host's. */
	record_text(record, sizeof record, as.uid, chosen, job, step, task);
	openlog("chos", LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
	if (fd >= 0) {
		rc = chos_enter_root(fd, &e) != 0 ? refuse_err(&e) : 0;
		close(fd);
	} else if (inside) {
		rc = enter_user(root, as.uid, as.gid);
	}
	if (rc == 0 && (inside || moved))
		rc = settle(sp, cwd, inside && step == SLURM_BATCH_SCRIPT ? &script : NULL, inside ? argv : NULL);
	if (rc == 0 && spank_setenv(sp, "CHOS", chosen, 1) != ESPANK_SUCCESS)
		rc = refuse("error: cannot set CHOS in the job's environment");
	if (rc == 0)
		syslog(LOG_AUTHPRIV | LOG_NOTICE, "%s", record);
	closelog();
	return rc;
}

int slurm_spank_task_init_privileged(spank_t sp, int ac, char **av)
{
	(void)ac;
	(void)av;
	return mode == MODE_ROOT ? task_enter(sp, 1) : 0;
}

int slurm_spank_task_init(spank_t sp, int ac, char **av)
{
	(void)ac;
	(void)av;
	return mode == MODE_USER ? task_enter(sp, 0) : 0;
}
