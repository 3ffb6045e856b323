/* chos-common.h: the entry core and the selection rules shared by the setuid helper and the Slurm SPANK plugin. Header only, no I/O. */
#ifndef CHOS_COMMON_H
#define CHOS_COMMON_H

#include <stddef.h>
#include <sys/types.h>

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
#define CHOS_INVALID_NAME (-4) /* the choice is not a valid name (problem invalid-name of docs/selection.md) */
#define CHOS_USER_FILE (-5)    /* ~/.chos is refused (problem user-file) */

/* Bytes of ~/.chos read (docs/selection.md). */
#define CHOS_FILE_MAX 256

/* Why a name is invalid, in the words of docs/selection.md (bin/chos-rules.sh says the same). */
#define CHOS_WHY_CHARS "a name may hold only letters, digits, \".\", \"_\", \"+\" and \"-\", and may not start with \".\" or \"-\""
#define CHOS_WHY_LONG "the name is longer than 64 characters"

/* A failure: one line for the user and a hint line (either may be empty). Never holds
 * unchecked input: names appear only once chos_name_valid accepted them. */
struct chos_err {
	char msg[384];
	char hint[192];
};

/* The selection rules' pure part (chos-rules.c); test/unit/select/differential.test.ts runs it. */

/*
 * The name check of docs/selection.md on len bytes (which may hold NUL), byte by byte (no
 * locale): NULL when valid (an empty name too), else why (CHOS_WHY_CHARS, checked first, or
 * CHOS_WHY_LONG).
 */
const char *chos_name_problem(const char *s, size_t len);

/* 1 when name is a valid environment name (not empty), else 0. */
int chos_name_valid(const char *name);

/*
 * The choice in ~/.chos's first n bytes (at most CHOS_FILE_MAX count): the first line without
 * spaces, tabs and CRs at either end. 1 with the name in out (outlen > CHOS_NAME_MAX), 0 when
 * it is empty (no choice), or CHOS_INVALID_NAME with *why set. Never copies an invalid name.
 */
int chos_user_file_name(const char *buf, size_t n, char *out, size_t outlen, const char **why);

/*
 * Who reads ~/.chos. privileged 0: the caller already is the user, links are followed (the
 * rules). privileged 1: the caller is root; the file is read with uid and gid as file-system
 * ids (setfsuid), never through a symbolic link, and must be uid's (the plugin's root mode).
 */
struct chos_reader {
	int privileged;
	uid_t uid;
	gid_t gid;
};

/*
 * Step 1 of docs/selection.md (chos-common.c, I/O): the choice of chos (the value of $CHOS;
 * NULL or "" when unset) else of HOME/.chos (none when home is NULL or ""). Returns 1 with the
 * name in out (outlen > CHOS_NAME_MAX) and *from "$CHOS" or "~/.chos", 0 when there is no
 * choice, or CHOS_INVALID_NAME, CHOS_USER_FILE or CHOS_ERR with e set (the message and hint
 * of the rules; never the file's content nor a refused name).
 */
int chos_choice(const char *chos, const char *home, const struct chos_reader *as, char *out, size_t outlen,
		const char **from, struct chos_err *e);

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
 * Resolves name in the generation through gen/entry/NAME (a root name, which is the name of the
 * environment it holds, or "/" for the host) and returns an O_DIRECTORY fd of the root to
 * enter: gen/roots/TARGET, or a dup of host_root for "/". name must be valid. When target is
 * not NULL (tlen > CHOS_NAME_MAX), TARGET is copied there: an alias's environment. Returns
 * CHOS_UNKNOWN when the generation has no such name, or CHOS_ERR (also when the generation
 * was set up without entry data).
 */
int chos_open_env_root(int host_root, int gen_fd, const char *name, char *target, size_t tlen, struct chos_err *e);

/*
 * All of the above: the root fd of environment name in the current generation of run_dir (and
 * its target, as chos_open_env_root gives it).
 * Leaves the process's root at the namespace root (see chos_open_host_root).
 */
int chos_open_env(const char *run_dir, const char *name, char *target, size_t tlen, struct chos_err *e);

/* fchdir(root_fd) then chroot("."): the process's root and cwd become root_fd. 0 or CHOS_ERR. */
int chos_enter_root(int root_fd, struct chos_err *e);

#endif
