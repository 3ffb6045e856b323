// Runs a program as root in a bubblewrap sandbox where the only writable place is one staging
// directory: whatever bug an extractor has, it can write nowhere else (every tar/OCI extractor
// in the field has had path-escape bugs). I/O.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { ChosError } from '../errors.js';
import { RUN_TAG_ENV, ownTag } from '../host/processes.js';

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

export interface SandboxResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Empty when onStdout took it. */
  readonly stdout: string;
  /** The last 64 KiB. */
  readonly stderr: string;
}

/** Runs argv in the sandbox; resolves with how it ended, whatever its status. */
export function runSandboxedFull(o: SandboxOptions, argv: readonly string[], what: string): Promise<SandboxResult> {
  return new Promise((resolve, reject) => {
    // The run's tag marks every process of the sandbox (see owner.ts): killing bubblewrap
    // while it sets the sandbox up leaves the sandbox running.
    // LC_ALL=C: tar then escapes every non-ASCII byte in listings (see tar-listing.ts).
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
      err = (err + d.toString()).slice(-65536);
    });
    p.on('error', (e) => reject(new ChosError('setup-failed', `${what}: cannot start bwrap (${e.message})`, { hint: 'apt-get install bubblewrap' })));
    p.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: err }));
  });
}

/** Runs argv in the sandbox; resolves with stdout as text, rejects with the tail of stderr. */
export async function runSandboxed(o: SandboxOptions, argv: readonly string[], what: string): Promise<string> {
  const r = await runSandboxedFull(o, argv, what);
  if (r.code === 0) return r.stdout;
  throw sandboxFailed(what, r);
}

/** "WHAT failed (status N): the last lines of stderr". */
export function sandboxFailed(what: string, r: SandboxResult): ChosError {
  const tail = r.stderr.trim().split('\n').slice(-3).join('; ');
  return new ChosError('setup-failed', `${what} failed (${r.signal ?? `status ${String(r.code)}`}): ${tail || 'no message'}`);
}

/**
 * tar extracting an archive at `inside` (no -f when undefined: the caller adds it) into `into`
 * as root: owners, modes and user.* xattrs kept; file capabilities only when asked (with
 * setuid bits). Pure.
 */
export function tarExtractArgs(inside: string | undefined, into: string, keepCaps: boolean, extra: readonly string[] = []): string[] {
  return [
    'tar', '--extract', '--same-permissions', '--same-owner', '--numeric-owner', '--xattrs', '--xattrs-include=user.*',
    ...(keepCaps ? ['--xattrs-include=security.capability'] : []), ...extra, ...(inside === undefined ? [] : ['-f', inside]), '-C', into,
  ];
}
