// CHOS selection rules: which environment a process gets. Pure.
//
// Order: an explicit name > $CHOS > the first line of ~/.chos > "default" > the host ("root").
// bin/chos implements the same rules in sh for the hot path; test/e2e checks the two agree.

import { DEFAULT_NAME, ROOT_NAME, nameProblem } from '../config/names.js';
import { ChosError } from '../errors.js';

export type Source = 'option' | '$CHOS' | '~/.chos' | 'default' | 'host';

export interface SelectionInput {
  readonly explicit?: string;
  readonly envVar?: string;
  /** Contents of ~/.chos (at most its first bytes), or undefined when absent/unreadable. */
  readonly userFile?: string;
  /** Names the host knows (without "root", which always exists). */
  readonly known: ReadonlySet<string>;
}

export interface Selection {
  readonly name: string;
  readonly source: Source;
}

/** The name written in a ~/.chos file: its first line, trimmed; '' when there is none. */
export function userFileChoice(text: string): string {
  const first = text.split('\n', 1)[0] ?? '';
  return first.trim();
}

export function select(input: SelectionInput): Selection {
  const pick = (name: string, source: Source): Selection => {
    const why = nameProblem(name);
    if (why) {
      throw new ChosError('invalid-name', `invalid environment name "${name}" (from ${source}): ${why}`, {
        hint: "run 'chos --list' to see the environments of this host",
      });
    }
    if (name !== ROOT_NAME && !input.known.has(name)) {
      throw new ChosError('unknown-environment', `unknown environment "${name}" (from ${source})`, {
        hint: "run 'chos --list' to see the environments of this host",
      });
    }
    return { name, source };
  };
  if (input.explicit !== undefined) return pick(input.explicit, 'option');
  if (input.envVar !== undefined && input.envVar !== '') return pick(input.envVar, '$CHOS');
  const fromFile = input.userFile === undefined ? '' : userFileChoice(input.userFile);
  if (fromFile !== '') return pick(fromFile, '~/.chos');
  if (input.known.has(DEFAULT_NAME)) return { name: DEFAULT_NAME, source: 'default' };
  return { name: ROOT_NAME, source: 'host' };
}
