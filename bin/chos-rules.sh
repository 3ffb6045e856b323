# chos-rules.sh: the selection rules of the shell side, written once: which environment a
# process asks for ($CHOS, else the first line of ~/.chos) and what this host gives it.
# Sourced with `.` by bin/chos and bin/chos-login (no fork to load it); it only sets constants
# and defines two functions. Reads ~/.chos and tests files under the run directory (I/O).
# docs/selection.md states these rules precisely; src/select/ is the TypeScript side (chos
# --list, --doctor) and test/unit/select/differential.test.ts runs both on the same inputs.

# The constants: src/config/names.ts, src/host/user-file.ts and src/config/chos-conf.ts hold
# the same values for TypeScript (test/unit/select/constants.test.ts compares them).
chos_name_max=64
chos_name_chars='A-Za-z0-9._+-'
chos_name_bad_first='.-'
chos_file_max=256
# The original's %ENV list (less PATH, which is never kept but reset), for the host when chos
# is not set up.
chos_default_keep='CHOS USER LOGNAME HOME MAIL SHELL SSH_CLIENT SSH_CONNECTION SSH_TTY TERM DISPLAY SSH_AUTH_SOCK HOSTTYPE VENDOR OSTYPE MACHTYPE SHLVL PWD GROUP HOST REMOTEHOST'
# Trimmed around the name in ~/.chos: space, tab and carriage return (the three bytes below).
chos_blank=' 	'
chos_nl='
'

# chos_fail CODE MESSAGE HINT: records the rules' refusal; returns 1.
chos_fail() {
  chos_problem=$1 chos_why=$2 chos_hint=$3
  return 1
}

# chos_set_up RUN: whether `chosctl setup` has prepared this host (RUN/current/env exists).
chos_set_up() {
  [ -d "$1/current/env" ]
}

# chos_choice: what this process asks for. Sets chos_name (empty: no choice) and chos_from
# ('$CHOS' or '~/.chos'); or, for a choice that cannot be used, chos_problem (invalid-name,
# user-file), chos_why and chos_hint, and returns 1.
chos_choice() {
  chos_name= chos_from= chos_problem= chos_why= chos_hint=
  if [ -n "${CHOS-}" ]; then
    chos_name=$CHOS chos_from='$CHOS'
  elif [ -n "${HOME-}" ] && { [ -e "$HOME/.chos" ] || [ -L "$HOME/.chos" ]; }; then
    chos_from='~/.chos'
    # Only a regular file (a FIFO, a device or a directory could block or mislead a login),
    # symbolic links followed, as the user.
    [ -f "$HOME/.chos" ] || chos_fail user-file '~/.chos is not a regular file' \
      "replace it with a file naming an environment: chos --use NAME" || return 1
    [ -r "$HOME/.chos" ] || chos_fail user-file '~/.chos cannot be read' \
      "make it readable (chmod u+r ~/.chos), or replace it: chos --use NAME" || return 1
    # At most the first 256 bytes (the file may be huge or have no newline); a NUL byte is
    # made \001 so that it invalidates the name (the shell would drop it silently).
    chos_name=$(head -c "$chos_file_max" -- "$HOME/.chos" 2>/dev/null | tr '\000' '\001')
    chos_name=${chos_name%%"$chos_nl"*}
    chos_name=${chos_name#"${chos_name%%[!$chos_blank]*}"}
    chos_name=${chos_name%"${chos_name##*[!$chos_blank]}"}
  fi
  [ -n "$chos_name" ] || return 0
  # The characters first: a valid name is ASCII, so ${#} then counts bytes in any shell.
  case $chos_name in
  [$chos_name_bad_first]* | *[!$chos_name_chars]*)
    chos_fail invalid-name "invalid environment name from $chos_from: a name may hold only letters, digits, \".\", \"_\", \"+\" and \"-\", and may not start with \".\" or \"-\"" \
      "run 'chos --list' to see the environments of this host"
    return 1 ;;
  esac
  [ ${#chos_name} -le $chos_name_max ] || chos_fail invalid-name \
    "invalid environment name from $chos_from: the name is longer than $chos_name_max characters" \
    "run 'chos --list' to see the environments of this host"
}

# chos_resolve RUN: after chos_choice, what this host gives: "root" always; otherwise the host
# must be set up, a chosen name must be one of RUN/current/env/, and no choice gives "default"
# (chos_from=default) when the host has one, else the host itself (chos_name=root,
# chos_from=host). Sets chos_problem (not-set-up, unknown-environment), chos_why, chos_hint and
# returns 1 when the answer is a refusal.
chos_resolve() {
  [ -z "$chos_problem" ] || return 1
  [ "$chos_name" != root ] || return 0
  chos_set_up "$1" || chos_fail not-set-up "chos is not set up on this host ($1/current is missing)" \
    "an administrator must run 'chosctl setup' (or start chos.service)" || return 1
  if [ -z "$chos_name" ]; then
    if [ -f "$1/current/env/default" ]; then chos_name=default chos_from=default; else chos_name=root chos_from=host; fi
  elif [ ! -f "$1/current/env/$chos_name" ]; then
    chos_fail unknown-environment "unknown environment \"$chos_name\" (from $chos_from)" \
      "run 'chos --list' to see the environments of this host"
  fi
}
