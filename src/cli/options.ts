// Which chosctl options each command reads. An option given to a command that would ignore it
// is a usage error rather than a silent no-op: `chosctl setup --pull …` must not look as if it
// pulled anything. Pure.

/**
 * Options that say where things are (the config, the run directory, the store) are accepted by
 * every command, so that a site can pass the same ones to all; the others only where they act.
 */
const WHERE = ['config', 'sysconfig', 'run-dir', 'store', 'help', 'version'];

/** The commands each action option applies to. */
export const OPTION_COMMANDS: Readonly<Record<string, readonly string[]>> = {
  'dry-run': ['setup'],
  json: ['check', 'doctor', 'list', 'create', 'update'],
  group: ['sshd-config'],
  login: ['sshd-config'],
  install: ['sshd-config'],
  debootstrap: ['create'],
  mmdebstrap: ['create'],
  variant: ['create'],
  mirror: ['create'],
  'from-tar': ['create'],
  'from-oci': ['create'],
  pull: ['create'],
  insecure: ['create'],
  'auth-file': ['create'],
  'auth-realm': ['create'],
  'verify-key': ['create'],
  ref: ['create'],
  'keep-setuid': ['create', 'update'],
  'max-size': ['create', 'update'],
  'max-entries': ['create', 'update'],
  quiet: ['create', 'update'],
  'no-setup': ['create', 'update'],
};

/** The commands of chosctl (help and version aside). */
export const COMMANDS: readonly string[] = ['setup', 'teardown', 'status', 'check', 'create', 'update', 'remove', 'list', 'sshd-config', 'doctor'];

/** Why an option given to `command` does not apply to it, or undefined when all do. Pure. */
export function misplacedOption(command: string, given: readonly string[]): string | undefined {
  if (!COMMANDS.includes(command)) return undefined;
  for (const option of given) {
    if (WHERE.includes(option)) continue;
    const commands = OPTION_COMMANDS[option];
    if (commands === undefined || commands.includes(command)) continue;
    return `--${option} does not apply to "chosctl ${command}" (it is an option of ${commands.join(', ')})`;
  }
  return undefined;
}
