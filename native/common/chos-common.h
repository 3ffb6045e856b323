/* chos-common.h: the entry core shared by the setuid helper and the Slurm SPANK plugin. Header only, no I/O. */
#ifndef CHOS_COMMON_H
#define CHOS_COMMON_H

#include <stddef.h>

/*
 * The run directory that `chosctl setup` fills. A compile-time constant: a privileged caller
 * must never take it from its (untrusted) environment. Test builds pass
 * -DCHOS_RUN_DIR='"/run/chos-e2e"'. It must be an absolute path of plain components.
 */
#ifndef CHOS_RUN_DIR
#define CHOS_RUN_DIR "/run/chos"
#endif

/* Longest environment name, in bytes (the rule of bin/chos). */
#define CHOS_NAME_MAX 64

/* Return codes of the functions below (0 is success or a file descriptor >= 0). */
#define CHOS_ERR (-1)      /* failed; err says why */
#define CHOS_UNKNOWN (-2)  /* the current generation has no environment of that name */
#define CHOS_NOT_SETUP (-3) /* no run directory or no current generation */

/* A failure: one line for the user and a hint line (either may be empty). Never holds
 * unchecked input: names appear only once chos_name_valid accepted them. */
struct chos_err {
	char msg[384];
	char hint[192];
};

/*
 * 1 when name is a valid environment name, else 0: 1..CHOS_NAME_MAX bytes of letters, digits,
 * '.', '_', '+' and '-', not starting with '.' or '-'. Checked byte by byte (no locale).
 */
int chos_name_valid(const char *name);

/*
 * Makes the mount namespace's root the process's root and working directory again, then
 * returns an O_DIRECTORY fd of it, checked root-owned and not writable by group or others.
 * Needs CAP_SYS_CHROOT. From inside a prepared root (a chroot) this is the only way back to
 * the run directory, which is not visible there. Changes the process's root and cwd.
 */
int chos_open_host_root(struct chos_err *e);

/*
 * Opens run_dir (absolute) below host_root, component by component, with
 * openat(O_NOFOLLOW|O_DIRECTORY|O_CLOEXEC), each checked root-owned and not group/other
 * writable. Returns the fd, CHOS_NOT_SETUP when it does not exist, or CHOS_ERR.
 */
int chos_open_run_dir(int host_root, const char *run_dir, struct chos_err *e);

/*
 * Reads run_fd/current once (a symlink to gen-<digits>-<digits>), opens that generation
 * (checked as above) and, when gen_name is not NULL, copies its name (gen_len >= 64).
 * Returns the fd, CHOS_NOT_SETUP when there is no current generation, or CHOS_ERR.
 */
int chos_open_generation(int run_fd, char *gen_name, size_t gen_len, struct chos_err *e);

/*
 * Resolves name in the generation through gen/entry/NAME (written by setup only in setuid
 * mode: a root name, or "/" for the host) and returns an O_DIRECTORY fd of the root to
 * enter: gen/roots/TARGET, or a dup of host_root for "/". name must be valid. Returns
 * CHOS_UNKNOWN when the generation has no such name, or CHOS_ERR (also when the generation
 * was set up without entry data).
 */
int chos_open_env_root(int host_root, int gen_fd, const char *name, struct chos_err *e);

/*
 * All of the above: the root fd of environment name in the current generation of run_dir.
 * Leaves the process's root at the namespace root (see chos_open_host_root).
 */
int chos_open_env(const char *run_dir, const char *name, struct chos_err *e);

/* fchdir(root_fd) then chroot("."): the process's root and cwd become root_fd. 0 or CHOS_ERR. */
int chos_enter_root(int root_fd, struct chos_err *e);

#endif
