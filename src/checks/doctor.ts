// `chosctl doctor` and `chos --doctor`: can this user, on this host, actually enter each
// environment? Reads kernel settings, the setup state and ~/.chos, and probes each environment
// by entering it for real. I/O.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { nameProblem } from '../config/names.js';
import { type Catalog, isStale, readCatalog } from '../prepare/setup.js';
import { userFileChoice } from '../select/select.js';
import { readUserFile } from '../prepare/user-file.js';
import type { Finding } from './findings.js';
import { slurmFindings } from './slurm-doctor.js';

function readNumber(file: string): number | undefined {
  try {
    return Number(fs.readFileSync(file, 'utf8').trim());
  } catch {
    return undefined;
  }
}

function version(cmd: string, args: string[]): string | undefined {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 5000 });
  if (r.status !== 0 || r.error) return undefined;
  return (r.stdout || r.stderr).trim().split('\n')[0];
}

export interface DoctorOptions {
  readonly runDir: string;
  /** bin/chos of this installation, used for the real probes. */
  readonly launcher: string;
  readonly home?: string;
  /** The environment the probes run with (the caller's, so probes see what the user sees). */
  readonly env: NodeJS.ProcessEnv;
}

export function hostFindings(): Finding[] {
  const out: Finding[] = [];
  const unshare = version('unshare', ['--version']);
  out.push(unshare
    ? { subject: 'unshare', level: 'ok', code: 'tool', message: unshare }
    : { subject: 'unshare', level: 'error', code: 'tool-missing', message: 'util-linux unshare(1) is not on the PATH', hint: 'apt-get install util-linux' });
  const bwrap = version('bwrap', ['--version']);
  out.push(bwrap
    ? { subject: 'bubblewrap', level: 'ok', code: 'tool', message: `${bwrap} (used by chosctl create's sandbox and the benchmark, not for entry)` }
    : { subject: 'bubblewrap', code: 'tool-missing', level: 'warning', message: 'not installed: chosctl create cannot build environments (entry does not need it)', hint: 'apt-get install bubblewrap' });
  const max = readNumber('/proc/sys/user/max_user_namespaces');
  if (max === 0) {
    out.push({ subject: 'userns', level: 'error', code: 'userns-disabled', message: 'user.max_user_namespaces is 0: nobody can enter an environment', hint: 'sysctl -w user.max_user_namespaces=15000 (and set it in /etc/sysctl.d/)' });
  } else {
    out.push({ subject: 'userns', level: 'ok', code: 'userns', message: `user.max_user_namespaces = ${max ?? 'unknown'}` });
  }
  const clone = readNumber('/proc/sys/kernel/unprivileged_userns_clone');
  if (clone === 0) {
    out.push({ subject: 'userns', level: 'error', code: 'userns-unprivileged-disabled', message: 'kernel.unprivileged_userns_clone is 0: normal users cannot enter environments', hint: 'sysctl -w kernel.unprivileged_userns_clone=1 (and set it in /etc/sysctl.d/)' });
  }
  const apparmor = readNumber('/proc/sys/kernel/apparmor_restrict_unprivileged_userns');
  if (apparmor === 1 && fs.existsSync('/etc/apparmor.d/chos-unshare')) {
    out.push({ subject: 'apparmor', level: 'ok', code: 'apparmor-userns', message: 'user namespaces are restricted, and /etc/apparmor.d/chos-unshare lets unshare create them' });
  } else if (apparmor === 1) {
    out.push({ subject: 'apparmor', level: 'warning', code: 'apparmor-userns', message: 'AppArmor restricts unprivileged user namespaces (Ubuntu 23.10+)', hint: 'install the profile shipped in apparmor/chos-unshare: cp apparmor/chos-unshare /etc/apparmor.d/ && apparmor_parser -r /etc/apparmor.d/chos-unshare' });
  }
  return out;
}

export function setupFindings(runDir: string): { findings: Finding[]; catalog?: Catalog } {
  const catalog = readCatalog(runDir);
  if (!catalog) {
    return { findings: [{ subject: 'setup', level: 'error', code: 'not-set-up', message: `chos is not set up (${runDir}/current is missing)`, hint: "run 'chosctl setup' as root (or start chos.service)" }] };
  }
  const stale = isStale(catalog);
  return {
    catalog,
    findings: [stale
      ? { subject: 'setup', level: 'warning', code: 'setup-stale', message: `${catalog.configFile} changed since setup ran (${catalog.created ?? 'at an unknown time'})`, hint: "run 'chosctl setup' to apply it" }
      : { subject: 'setup', level: 'ok', code: 'setup', message: `current with ${catalog.configFile} (set up ${catalog.created ?? 'at an unknown time'})` }],
  };
}

/** Enters each environment for real, as the calling user (root: as nobody), and runs the tree's /bin/sh. */
export function probeFindings(o: DoctorOptions, catalog: Catalog): Finding[] {
  const out: Finding[] = [];
  for (const e of catalog.environments) {
    // Never run a tree's programs as root: root probes as nobody (what any user would meet).
    const asNobody = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--'] : [];
    const argv = [...asNobody, o.launcher, '/bin/sh', '-c', 'echo chos-probe-ok'];
    const env = { ...o.env, CHOS: e.name, CHOS_RUN_DIR: o.runDir, ...(asNobody.length ? { HOME: '/nonexistent' } : {}) };
    const r = spawnSync(argv[0] ?? '', argv.slice(1), { encoding: 'utf8', timeout: 10_000, cwd: '/', env });
    if (r.stdout === 'chos-probe-ok\n') {
      const health = e.health && e.health !== 'ok' ? ` (chosctl check: ${e.health}${e.problem ? `: ${e.problem}` : ''})` : '';
      out.push({ subject: e.name, level: e.health === 'error' ? 'warning' : 'ok', code: 'probe', message: `entered and ran /bin/sh${health}` });
    } else {
      const why = (r.stderr || r.error?.message || `exit status ${String(r.status)}`).trim().split('\n')[0];
      out.push({ subject: e.name, level: 'error', code: 'probe-failed', message: `cannot be entered: ${why}`, hint: e.problem ?? 'run chosctl check as root for details' });
    }
  }
  return out;
}

export function userFileFindings(home: string | undefined, catalog: Catalog | undefined): Finding[] {
  if (!home) return [];
  const f = readUserFile(home);
  if (f.state === 'absent') return [{ subject: '~/.chos', level: 'ok', code: 'user-file', message: 'absent: you get "default"' }];
  if (f.state === 'not-a-file') return [{ subject: '~/.chos', level: 'warning', code: 'user-file-invalid', message: 'is not a regular file: it is ignored', hint: 'chos --use NAME, or echo NAME > ~/.chos' }];
  if (f.state === 'unreadable') return [{ subject: '~/.chos', level: 'warning', code: 'user-file-invalid', message: `cannot be read (${f.code})` }];
  const text = f.text;
  const name = userFileChoice(text);
  if (name === '') return [{ subject: '~/.chos', level: 'ok', code: 'user-file', message: 'names nothing: you get "default"' }];
  const why = nameProblem(name);
  if (why) return [{ subject: '~/.chos', level: 'error', code: 'user-file-invalid', message: `"${name}" is not a valid name: ${why}`, hint: 'write one of the names chos --list shows' }];
  if (name !== 'root' && catalog && !catalog.environments.some((e) => e.name === name)) {
    return [{ subject: '~/.chos', level: 'error', code: 'user-file-unknown', message: `names "${name}", which this host does not have`, hint: 'write one of the names chos --list shows' }];
  }
  return [{ subject: '~/.chos', level: 'ok', code: 'user-file', message: `chooses "${name}"` }];
}

export function runDoctor(o: DoctorOptions): Finding[] {
  const host = hostFindings();
  const { findings, catalog } = setupFindings(o.runDir);
  return [...host, ...findings, ...(catalog ? probeFindings(o, catalog) : []), ...userFileFindings(o.home, catalog), ...slurmFindings(o.env)];
}
