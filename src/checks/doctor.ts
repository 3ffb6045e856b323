// `chosctl doctor` and `chos --doctor`: can this user, on this host, actually enter each
// environment? Reads kernel settings, the setup state and ~/.chos, and probes each environment
// by entering it for real. I/O.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { type Catalog, generationHelper, isStale, readCatalog } from '../state/catalog.js';
import { choose, decide } from '../select/select.js';
import { DEFAULT_NAME } from '../config/names.js';
import { readUserFile } from '../host/user-file.js';
import type { Finding } from './findings.js';
import { entryModeFindings } from './entry-mode-check.js';
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
  /** The caller's environment: probes take HOME, USER and LOGNAME from it (not as root), nothing else. */
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

/** How long one probe may take before it is killed with everything it started. */
export const PROBE_TIMEOUT_MS = 10_000;

/**
 * The probe's command and environment. The tree's code gets a minimal environment (never the
 * caller's variables, which for root may hold secrets). As root it runs as nobody, in a PID
 * namespace of its own (unshare --pid --fork --kill-child): when the probe ends, or is killed
 * at the timeout, its first process dies and the kernel kills everything else in it.
 */
export function probeCommand(o: Pick<DoctorOptions, 'launcher' | 'runDir' | 'env'>, name: string, isRoot: boolean): { argv: string[]; env: Record<string, string> } {
  const env: Record<string, string> = {
    PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin',
    CHOS: name,
    CHOS_RUN_DIR: o.runDir,
    HOME: isRoot ? '/nonexistent' : (o.env['HOME'] ?? '/nonexistent'),
    LANG: 'C',
  };
  if (!isRoot) {
    for (const k of ['USER', 'LOGNAME']) {
      const v = o.env[k];
      if (v !== undefined) env[k] = v;
    }
  }
  const probe = [o.launcher, '/bin/sh', '-c', 'echo chos-probe-ok'];
  if (!isRoot) return { argv: probe, env };
  // The namespace's first process is a root sh that waits for the probe: the parent-death
  // signal --kill-child sets would not survive setpriv's change of user, and a probe that
  // became the first process itself could not be killed by it. When that sh ends (the probe
  // is done) or is killed (unshare was), the kernel kills everything left in the namespace.
  return {
    argv: [
      'unshare', '--pid', '--fork', '--kill-child', '--', '/bin/sh', '-c',
      'setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; exit $?', 'chos-probe', ...probe,
    ],
    env: { ...env, USER: 'nobody', LOGNAME: 'nobody' },
  };
}

/** Enters each environment for real, as the calling user (root: as nobody), and runs the tree's /bin/sh. */
export function probeFindings(o: DoctorOptions, catalog: Catalog): Finding[] {
  const out: Finding[] = [];
  const isRoot = process.getuid?.() === 0;
  for (const e of catalog.environments) {
    const { argv, env } = probeCommand(o, e.name, isRoot);
    const r = spawnSync(argv[0] ?? '', argv.slice(1), { encoding: 'utf8', timeout: PROBE_TIMEOUT_MS, killSignal: 'SIGKILL', cwd: '/', env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 });
    if (r.stdout === 'chos-probe-ok\n') {
      const health = e.health && e.health !== 'ok' ? ` (chosctl check: ${e.health}${e.problem ? `: ${e.problem}` : ''})` : '';
      out.push({ subject: e.name, level: e.health === 'error' ? 'warning' : 'ok', code: 'probe', message: `entered and ran /bin/sh${health}` });
    } else {
      const timedOut = r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
      const why = timedOut ? `no answer within ${PROBE_TIMEOUT_MS / 1000} s (killed)` : (r.stderr || r.error?.message || `exit status ${String(r.status)}`).trim().split('\n')[0];
      // Output of the tree's code is printed escaped (by formatFinding), and cut.
      out.push({ subject: e.name, level: 'error', code: 'probe-failed', message: `cannot be entered: ${[...(why ?? '')].slice(0, 300).join('')}`, hint: e.problem ?? 'run chosctl check as root for details' });
    }
  }
  return out;
}

export function userFileFindings(home: string | undefined, catalog: Catalog | undefined): Finding[] {
  if (!home) return [];
  // What ~/.chos asks for, by the selection rules (as if $CHOS were unset).
  const f = readUserFile(home);
  const choice = choose(undefined, f);
  // What no choice gives: the default, else the host (and the host when chos is not set up).
  const fallback = catalog?.environments.some((e) => e.name === DEFAULT_NAME) ? `"${DEFAULT_NAME}"` : 'the host';
  if ('problem' in choice) {
    const code = f.state === 'unreadable' ? ` (${f.code})` : '';
    return [{ subject: '~/.chos', level: 'error', code: 'user-file-invalid', message: `${choice.message}${code}: chos refuses it, logins get ${fallback}`, hint: choice.hint }];
  }
  if (choice.name === '') {
    return [{ subject: '~/.chos', level: 'ok', code: 'user-file', message: `${f.state === 'absent' ? 'absent' : 'names nothing'}: you get ${fallback}` }];
  }
  const known = catalog ? new Set(catalog.environments.map((e) => e.name)) : undefined;
  const answer = known ? decide({ userFile: f, known, runDir: '' }) : choice;
  if ('problem' in answer) {
    return [{ subject: '~/.chos', level: 'error', code: 'user-file-unknown', message: `${answer.message}: chos refuses it, logins get ${fallback}`, hint: answer.hint }];
  }
  return [{ subject: '~/.chos', level: 'ok', code: 'user-file', message: `chooses "${choice.name}"` }];
}

export function runDoctor(o: DoctorOptions): Finding[] {
  // With ENTRY="setuid" user namespaces are not used: their settings are facts, not problems.
  const setuid = generationHelper(o.runDir) !== undefined;
  const host = hostFindings().map((f): Finding => setuid && f.subject === 'userns' && f.level === 'error'
    ? { subject: f.subject, level: 'ok', code: f.code, message: `${f.message} (not needed with ENTRY="setuid")` }
    : f);
  const { findings, catalog } = setupFindings(o.runDir);
  return [
    ...host, ...findings, ...entryModeFindings(o.runDir), ...(catalog ? probeFindings(o, catalog) : []),
    ...userFileFindings(o.home, catalog), ...slurmFindings(o.env),
  ];
}
