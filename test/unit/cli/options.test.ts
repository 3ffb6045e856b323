// Unit tests for src/cli/options.ts: which chosctl options each command accepts, and the
// message for one given where it would be ignored. Pure.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { COMMANDS, OPTION_COMMANDS, misplacedOption } from '../../../src/cli/options.js';
import { CHOSCTL_USAGE } from '../../../src/cli/chosctl.js';

describe('misplacedOption', () => {
  test('the options that say where things are go with every command', () => {
    for (const command of COMMANDS) {
      assert.equal(misplacedOption(command, ['config', 'sysconfig', 'run-dir', 'store', 'help', 'version']), undefined, command);
    }
  });

  test('every action option is accepted by the commands it lists and refused by the others', () => {
    for (const [option, commands] of Object.entries(OPTION_COMMANDS)) {
      for (const command of COMMANDS) {
        const why = misplacedOption(command, [option]);
        if (commands.includes(command)) assert.equal(why, undefined, `${option} with ${command}`);
        else assert.equal(why, `--${option} does not apply to "chosctl ${command}" (it is an option of ${commands.join(', ')})`);
      }
    }
  });

  const cases: ReadonlyArray<[string, readonly string[], string | undefined]> = [
    ['setup', ['dry-run', 'config'], undefined],
    ['setup', ['pull'], '--pull does not apply to "chosctl setup" (it is an option of create)'],
    ['status', ['json'], '--json does not apply to "chosctl status" (it is an option of check, doctor, list, create, update)'],
    ['remove', ['quiet'], '--quiet does not apply to "chosctl remove" (it is an option of create, update)'],
    ['update', ['auth-file'], '--auth-file does not apply to "chosctl update" (it is an option of create)'],
    ['update', ['keep-setuid', 'max-size', 'no-setup', 'json'], undefined],
    ['sshd-config', ['group', 'login', 'install'], undefined],
    ['check', ['install'], '--install does not apply to "chosctl check" (it is an option of sshd-config)'],
    // The first misplaced one is named.
    ['list', ['config', 'dry-run', 'json'], '--dry-run does not apply to "chosctl list" (it is an option of setup)'],
  ];
  for (const [command, given, expected] of cases) {
    test(`chosctl ${command} ${given.map((o) => `--${o}`).join(' ')}`, () => assert.equal(misplacedOption(command, given), expected));
  }

  test('an unknown command is left to the command dispatch to report', () => {
    assert.equal(misplacedOption('frobnicate', ['dry-run']), undefined);
  });

  test('every command and every action option appears in the help', () => {
    for (const command of COMMANDS) assert.match(CHOSCTL_USAGE, new RegExp(`^  ${command}\\b`, 'm'), command);
    for (const option of Object.keys(OPTION_COMMANDS)) assert.match(CHOSCTL_USAGE, new RegExp(`--${option}\\b`), option);
  });
});
