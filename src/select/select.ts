// CHOS selection rules: which environment a process gets. Pure.
//
// The rules are stated in docs/selection.md. bin/chos-rules.sh is the same rules in sh, for
// bin/chos and bin/chos-login; test/unit/select/differential.test.ts runs both on the same
// hostile inputs and requires the same answer, word for word.
//
//   1. The choice: $CHOS when set and not empty, else the first line of ~/.chos (of its first
//      256 bytes, trimmed of spaces, tabs and carriage returns), else none. A ~/.chos that is
//      not a regular file, or cannot be read, or a chosen name that is not valid, is refused.
//   2. What the host gives: "root" always; otherwise the host must be set up; a chosen name
//      must be one of its environments; no choice gives "default" when there is one, else the
//      host ("root").

import { DEFAULT_NAME, ROOT_NAME, nameProblem } from '../config/names.js';
import { ChosError, type ErrorCode } from '../errors.js';

/** How much of ~/.chos is read (the sh side's chos_file_max). */
export const USER_FILE_MAX = 256;

/** Where the answer came from: the two kinds of choice, or no choice at all. */
export type Source = '$CHOS' | '~/.chos' | 'default' | 'host';

/** ~/.chos as found (src/host/user-file.ts reads it). */
export type UserFile =
  | { readonly state: 'absent' }
  | { readonly state: 'not-a-file' }
  | { readonly state: 'unreadable'; readonly code: string }
  | { readonly state: 'read'; readonly bytes: Uint8Array };

export interface SelectionInput {
  /** $CHOS; unset and empty both mean "not set". */
  readonly envVar?: string | undefined;
  readonly userFile: UserFile;
  /** The names this host's setup made (without "root", which always exists); undefined when it is not set up. */
  readonly known: ReadonlySet<string> | undefined;
  /** The run directory, named when the host is not set up. */
  readonly runDir: string;
}

export interface Selection {
  readonly name: string;
  readonly source: Source;
}

export type SelectionProblem = Extract<ErrorCode, 'invalid-name' | 'user-file' | 'not-set-up' | 'unknown-environment'>;

export interface Refusal {
  readonly problem: SelectionProblem;
  readonly message: string;
  readonly hint: string;
}

/** A choice: a name and where it came from, or none (name ''). */
export interface Choice {
  readonly name: string;
  readonly source: '$CHOS' | '~/.chos' | undefined;
}

const LIST_HINT = "run 'chos --list' to see the environments of this host";
const FILE_HINTS: Record<'not-a-file' | 'unreadable', readonly [string, string]> = {
  'not-a-file': ['~/.chos is not a regular file', 'replace it with a file naming an environment: chos --use NAME'],
  unreadable: ['~/.chos cannot be read', 'make it readable (chmod u+r ~/.chos), or replace it: chos --use NAME'],
};

const isBlank = (b: number): boolean => b === 0x20 || b === 0x09 || b === 0x0d;

/**
 * The name written in ~/.chos: its first line (within its first 256 bytes), without the
 * spaces, tabs and carriage returns around it; '' when there is none. Bytes become characters
 * one for one (latin1), so that any byte outside a name's characters, NUL included, makes the
 * name invalid rather than being decoded away.
 */
export function userFileChoice(bytes: Uint8Array): string {
  const head = bytes.subarray(0, USER_FILE_MAX);
  const nl = head.indexOf(0x0a);
  let line = nl < 0 ? head : head.subarray(0, nl);
  let a = 0;
  let b = line.length;
  while (a < b && isBlank(line[a] ?? 0)) a++;
  while (b > a && isBlank(line[b - 1] ?? 0)) b--;
  line = line.subarray(a, b);
  return String.fromCharCode(...line);
}

/** Step 1: what the process asks for. */
export function choose(envVar: string | undefined, userFile: UserFile): Choice | Refusal {
  let name = '';
  let source: Choice['source'];
  if (envVar !== undefined && envVar !== '') {
    name = envVar;
    source = '$CHOS';
  } else if (userFile.state !== 'absent') {
    source = '~/.chos';
    if (userFile.state !== 'read') {
      const [message, hint] = FILE_HINTS[userFile.state];
      return { problem: 'user-file', message, hint };
    }
    name = userFileChoice(userFile.bytes);
  }
  if (name === '') return { name, source };
  const why = nameProblem(name);
  // Never the name itself: it may hold anything (control characters, escape sequences).
  if (why) return { problem: 'invalid-name', message: `invalid environment name from ${source ?? ''}: ${why}`, hint: LIST_HINT };
  return { name, source };
}

/** Steps 1 and 2: the environment this host gives, or why it gives none. */
export function decide(input: SelectionInput): Selection | Refusal {
  const choice = choose(input.envVar, input.userFile);
  if ('problem' in choice) return choice;
  if (choice.name === ROOT_NAME) return { name: ROOT_NAME, source: choice.source ?? 'host' };
  if (input.known === undefined) {
    return {
      problem: 'not-set-up',
      message: `chos is not set up on this host (${input.runDir}/current is missing)`,
      hint: "an administrator must run 'chosctl setup' (or start chos.service)",
    };
  }
  if (choice.name === '' || choice.source === undefined) {
    return input.known.has(DEFAULT_NAME) ? { name: DEFAULT_NAME, source: 'default' } : { name: ROOT_NAME, source: 'host' };
  }
  if (!input.known.has(choice.name)) {
    return { problem: 'unknown-environment', message: `unknown environment "${choice.name}" (from ${choice.source})`, hint: LIST_HINT };
  }
  return { name: choice.name, source: choice.source };
}

/** decide(), with a refusal thrown as the ChosError chos prints. */
export function select(input: SelectionInput): Selection {
  const answer = decide(input);
  if ('problem' in answer) throw new ChosError(answer.problem, answer.message, { hint: answer.hint });
  return answer;
}
