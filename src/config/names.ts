// Rules for environment names and variable names, shared by every parser. Pure.

// The constants of this file have twins in bin/chos-rules.sh (chos_name_*), compared by
// test/unit/select/constants.test.ts.

/** Longest environment name accepted anywhere (config, $CHOS, ~/.chos). */
export const MAX_NAME_LENGTH = 64;
/** The characters of a name, as a bracket-expression range list (also a sh glob's). */
export const NAME_CHARS = 'A-Za-z0-9._+-';
/** Characters a name may not start with, as a bracket-expression list. */
export const NAME_BAD_FIRST = '.-';

// Letters, digits, '.', '_', '+', '-'; not starting with '.' or '-' so a name can never be a
// hidden file, `..`, or be mistaken for an option by a tool it is passed to. ASCII only.
const NAME = new RegExp(`^(?![${NAME_BAD_FIRST}])[${NAME_CHARS}]+$`);

/**
 * Returns why `name` is not a valid environment name, or undefined when it is. The characters
 * are checked before the length, so that the length of a valid name is its length in bytes
 * too (what bin/chos-rules.sh and C count).
 */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the name is empty';
  if (!NAME.test(name)) {
    return 'a name may hold only letters, digits, ".", "_", "+" and "-", and may not start with "." or "-"';
  }
  if (name.length > MAX_NAME_LENGTH) return `the name is longer than ${MAX_NAME_LENGTH} characters`;
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
