// The Node side of `chos`: the options bin/chos hands over (--list, --help, --version). I/O.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { nameProblem } from '../config/names.js';
import { ChosError, Exit } from '../errors.js';
import { type Catalog, DEFAULT_RUN_DIR, readCatalog } from '../state/catalog.js';
import { type Refusal, type Selection, decide } from '../select/index.js';
import { VERSION } from '../version.js';
import { runDoctor } from '../checks/doctor.js';
import { readUserFile } from '../host/user-file.js';
import { report } from './report.js';
import { type Io, processIo } from './io.js';
import { runCommand } from './run.js';
import { escapeControl } from '../text/escape.js';

export const CHOS_USAGE = `Usage: chos [COMMAND [ARG...]]
       chos --list | --which | --use NAME | --doctor [--json] | --version | --help

Run COMMAND, or your login shell when no COMMAND is given, in the OS environment you chose.
The environment is chosen by $CHOS, else by the first line of ~/.chos, else "default";
"root" is the host itself. Your identity, home, /tmp and the network stay the same; the host
root is visible at /local.

  COMMAND        runs with your environment unchanged, plus CHOS=<name>; file descriptors
                 other than 0-2 are closed first
  (no command)   starts your login shell with the environment cleaned to the tree's %ENV list
  --list         list the environments of this host (* marks the one you would get)
  --which        print the environment this process is in ("root" on the host)
  --use NAME     choose NAME from now on: checks it and writes ~/.chos (atomically)
  --doctor       check that you can use chos here: user namespaces, setup, ~/.chos, and
                 each environment entered for real (exit 0 ok, 1 warnings, 3 errors)
  --version      print the version
  --help         print this help
  --             end of options (for a command whose name starts with '-')
--list, --use, --doctor, --version and --help run on the host only; inside an environment, chos can run a
command or a shell in that same environment and answer --which.

Examples:
  env CHOS=debian11 chos cat /etc/debian_version
  echo debian12 > ~/.chos; chos          # a login shell in debian12
  CHOS=root chos uname -a                # on the host

Exit status: the command's own (128+N when it died of signal N); 125 when chos itself failed
before starting the command; 126 command not executable; 127 command not found; 1 with a
message starting "unshare:" if the kernel refused the namespace in a way chos did not foresee;
141 (--list, --doctor) standard output was closed early (| head), without a word.
See chos(1).
`;

export function chosMain(argv: readonly string[], io: Io = processIo()): number {
  return runCommand('chos', io, () => {
    let values;
    try {
      ({ values } = parseArgs({
        args: [...argv],
        options: {
          list: { type: 'boolean' }, doctor: { type: 'boolean' }, json: { type: 'boolean' }, use: { type: 'string' },
          version: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
        },
        strict: true,
        allowPositionals: false,
      }));
    } catch (e) {
      throw new ChosError('usage', (e as Error).message, { hint: "run 'chos --help'", exitCode: Exit.failed });
    }
    if (values.help) {
      io.out(CHOS_USAGE);
      return Exit.ok;
    }
    if (values.version) {
      io.out(`chos ${VERSION}\n`);
      return Exit.ok;
    }
    if (values.list) return list(io);
    if (values.use !== undefined) return use(io, values.use);
    if (values.doctor) {
      const runDir = io.env['CHOS_RUN_DIR'] || DEFAULT_RUN_DIR;
      return report(io, runDoctor({ runDir, launcher: path.resolve(__dirname, '..', 'bin', 'chos'), home: io.env['HOME'], env: { ...io.env } }), values.json ?? false);
    }
    throw new ChosError('usage', 'no option given', { hint: "run 'chos --help'", exitCode: Exit.failed });
  });
}

/** Validates NAME against this host's environments and writes ~/.chos by rename(2). */
function use(io: Io, name: string): number {
  const why = nameProblem(name);
  if (why) throw new ChosError('invalid-name', `invalid environment name "${name}": ${why}`, { hint: "run 'chos --list'" });
  const runDir = io.env['CHOS_RUN_DIR'] || DEFAULT_RUN_DIR;
  const catalog = readCatalog(runDir);
  if (name !== 'root' && !catalog?.environments.some((e) => e.name === name)) {
    throw new ChosError('unknown-environment', `unknown environment "${name}"`, { hint: "run 'chos --list' to see the environments of this host" });
  }
  const home = io.env['HOME'];
  if (!home) throw new ChosError('usage', 'HOME is not set: cannot find ~/.chos', { exitCode: Exit.failed });
  const file = path.join(home, '.chos');
  const tmp = path.join(home, `.chos.tmp-${process.pid}`);
  try {
    fs.writeFileSync(tmp, `${name}\n`, { mode: 0o644, flag: 'wx' });
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new ChosError('usage', `cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { exitCode: Exit.failed });
  }
  io.out(`chos: ~/.chos now chooses "${name}" (for new logins and for chos without $CHOS)\n`);
  return Exit.ok;
}

/**
 * What bin/chos would give a process with ENV on this host ($CHOS, ~/.chos of $HOME, the run
 * directory's catalog), by the selection rules; and the catalog read for it.
 */
export function selectionFor(env: Io['env']): { answer: Selection | Refusal; catalog: Catalog | undefined } {
  const runDir = env['CHOS_RUN_DIR'] || DEFAULT_RUN_DIR;
  const catalog = readCatalog(runDir);
  const known = catalog ? new Set(catalog.environments.map((e) => e.name)) : undefined;
  return { answer: decide({ envVar: env['CHOS'], userFile: readUserFile(env['HOME']), known, runDir }), catalog };
}

function list(io: Io): number {
  const runDir = io.env['CHOS_RUN_DIR'] || DEFAULT_RUN_DIR;
  const { answer, catalog } = selectionFor(io.env);
  if (!catalog) {
    throw new ChosError('not-set-up', `chos is not set up on this host (${runDir}/current is missing)`, {
      hint: "an administrator must run 'chosctl setup' (or start chos.service)",
    });
  }
  // The mark: what bin/chos would give; none (and a warning saying why) when it would refuse.
  const chosen = 'problem' in answer ? undefined : answer;
  if ('problem' in answer) io.err(`chos: warning: ${answer.message}\nhint: ${answer.hint}\n`);
  // PRETTY_NAME and problems come from trees: printed with their control characters escaped.
  const rows = catalog.environments.map((e) => [
    chosen?.name === e.name ? '*' : ' ',
    escapeControl(e.name),
    escapeControl(e.aliasOf ? `-> ${e.aliasOf}` : e.path),
    escapeControl(e.prettyName ?? '') + (e.health === 'error' ? `  [FAILS CHECKS: ${escapeControl(e.problem ?? 'see chosctl check')}]` : ''),
  ]);
  if (!catalog.environments.some((e) => e.name === 'root')) rows.push([chosen?.name === 'root' ? '*' : ' ', 'root', '/', '(the host)']);
  const w1 = Math.max(4, ...rows.map((r) => (r[1] ?? '').length));
  const w2 = Math.max(4, ...rows.map((r) => (r[2] ?? '').length));
  io.out(`  ${'NAME'.padEnd(w1)}  ${'PATH'.padEnd(w2)}  OS\n`);
  for (const r of rows) io.out(`${r[0]} ${(r[1] ?? '').padEnd(w1)}  ${(r[2] ?? '').padEnd(w2)}  ${r[3]}\n`);
  return Exit.ok;
}

