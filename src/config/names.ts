// Rules for environment names and variable names, shared by every parser. Pure.

/** Longest environment name accepted anywhere (config, $CHOS, ~/.chos). */
export const MAX_NAME_LENGTH = 64;

// Letters, digits, '.', '_', '+', '-'; not starting with '.' or '-' so a name can never be a
// hidden file, `..`, or be mistaken for an option by a tool it is passed to.
const NAME = /^[A-Za-z0-9_+][A-Za-z0-9._+-]*$/;

/** Returns why `name` is not a valid environment name, or undefined when it is. */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the name is empty';
  if (name.length > MAX_NAME_LENGTH) return `the name is longer than ${MAX_NAME_LENGTH} characters`;
  if (!NAME.test(name)) {
    return 'a name may hold only letters, digits, ".", "_", "+" and "-", and may not start with "." or "-"';
  }
  return undefined;
}

const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isVariableName(name: string): boolean {
  return VARIABLE.test(name);
}

/** The name that always means the host's own root, configured or not. */
export const ROOT_NAME = 'root';
/** The name used when a user has made no choice. */
export const DEFAULT_NAME = 'default';
