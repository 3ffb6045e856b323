// Runs a program as root in a bubblewrap sandbox where the only writable place is one staging
// directory: whatever bug an extractor has, it can write nowhere else (every tar/OCI extractor
// in the field has had path-escape bugs). I/O.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { ChosError } from '../errors.js';
import { RUN_TAG_ENV, ownTag } from './owner.js';

/** What an extractor needs as root: set owners and modes, make device nodes (removed later). */
const CAPS = ['CAP_CHOWN', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_DAC_OVERRIDE', 'CAP_MKNOD', 'CAP_SETFCAP'];

export interface SandboxOptions {
  /** The one directory the program may write (bound at the same path). */
  readonly writable: string;
  /** Files or directories shown read-only inside, at a path under /tmp: [hostPath, insidePath]. */
  readonly readOnly?: ReadonlyArray<readonly [string, string]>;
  /** Called with each chunk the program writes to stdout. */
  readonly onStdout?: (chunk: Buffer) => void;
  /** Lets the caller kill the program (Ctrl-C). */
  readonly onSpawn?: (kill: () => void) => void;
  /**
   * The host directories the program needs, instead of the whole host root (binding / copies
   * every mount of the host, which costs tenths of a second on a host with many). See
   * systemView().
   */
  readonly system?: ReadonlyArray<readonly ['ro-bind' | 'symlink', string, string]>;
}

/** The read-only system a tool such as tar, find or sh needs: /usr, /etc and the lib/bin links. I/O. */
export function systemView(): Array<['ro-bind' | 'symlink', string, string]> {
  const out: Array<['ro-bind' | 'symlink', string, string]> = [['ro-bind', '/usr', '/usr'], ['ro-bind', '/etc', '/etc']];
  for (const d of ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32']) {
    try {
      const st = fs.lstatSync(`/${d}`);
      if (st.isSymbolicLink()) out.push(['symlink', fs.readlinkSync(`/${d}`), `/${d}`]);
      else if (st.isDirectory()) out.push(['ro-bind', `/${d}`, `/${d}`]);
    } catch { /* absent */ }
  }
  return out;
}

export function sandboxArgs(o: SandboxOptions, argv: readonly string[]): string[] {
  const root = o.system === undefined ? ['--ro-bind', '/', '/']
    : o.system.flatMap(([kind, a, b]) => [kind === 'symlink' ? '--symlink' : '--ro-bind', a, b]);
  return [
    ...root,
    '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp',
    '--bind', o.writable, o.writable,
    // Inside paths live under the fresh /tmp: the rest of the root is read-only.
    ...(o.readOnly ?? []).flatMap(([h, i]) => ['--ro-bind', h, i]),
    '--unshare-pid', '--unshare-ipc', '--unshare-net', '--unshare-uts',
    '--die-with-parent', '--new-session',
    '--cap-drop', 'ALL', ...CAPS.flatMap((c) => ['--cap-add', c]),
    // Without the host root bound at /, the root is bwrap's own tmpfs: make it read-only too.
    ...(o.system === undefined ? [] : ['--remount-ro', '/']),
    '--', ...argv,
  ];
}

/** Runs argv in the sandbox; resolves with stdout as text, rejects with the tail of stderr. */
export function runSandboxed(o: SandboxOptions, argv: readonly string[], what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // LC_ALL=C: tar then escapes every non-ASCII byte in listings (see tar-listing.ts).
    // The run's tag marks every process of the sandbox (see owner.ts): killing bubblewrap
    // while it sets the sandbox up leaves the sandbox running.
    const env = { ...process.env, LC_ALL: 'C', [RUN_TAG_ENV]: ownTag() };
    const p = spawn('bwrap', sandboxArgs({ system: systemView(), ...o }, argv), { stdio: ['ignore', 'pipe', 'pipe'], env });
    o.onSpawn?.(() => p.kill('SIGKILL'));
    const out: Buffer[] = [];
    let err = '';
    p.stdout.on('data', (d: Buffer) => {
      if (o.onStdout) o.onStdout(d);
      else out.push(d);
    });
    p.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-4000);
    });
    p.on('error', (e) => reject(new ChosError('setup-failed', `${what}: cannot start bwrap (${e.message})`, { hint: 'apt-get install bubblewrap' })));
    p.on('close', (code, signal) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else {
        const tail = err.trim().split('\n').slice(-3).join('; ');
        reject(new ChosError('setup-failed', `${what} failed (${signal ?? `status ${String(code)}`}): ${tail || 'no message'}`));
      }
    });
  });
}

/** tar listing an archive at `inside` the way tar-listing.ts reads it. Pure. */
export function tarListArgs(inside: string): string[] {
  return ['tar', '--list', '--verbose', '--numeric-owner', '--quoting-style=c', '-f', inside];
}

/**
 * tar extracting an archive at `inside` into `into` as root: owners, modes and user.* xattrs
 * kept; file capabilities only when asked (with setuid bits). Pure.
 */
export function tarExtractArgs(inside: string, into: string, keepCaps: boolean, extra: readonly string[] = []): string[] {
  return [
    'tar', '--extract', '--same-permissions', '--same-owner', '--numeric-owner', '--xattrs', '--xattrs-include=user.*',
    ...(keepCaps ? ['--xattrs-include=security.capability'] : []), ...extra, '-f', inside, '-C', into,
  ];
}

