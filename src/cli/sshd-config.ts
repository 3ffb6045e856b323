// `chosctl sshd-config`: the sshd configuration that sends logins through chos-login. The
// text is pure (renderSshdConfig); --install writes it as a drop-in and has sshd -t check it.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChosError } from '../errors.js';

export interface SshdConfigOptions {
  /** Only members of this group are moved; undefined = every user (root never is). */
  readonly group?: string;
  /** Path of chos-login as sshd should run it. */
  readonly login: string;
}

const GROUP = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const SAFE_PATH = /^\/[A-Za-z0-9_./+-]+$/;

export function renderSshdConfig(o: SshdConfigOptions): string {
  if (o.group !== undefined && !GROUP.test(o.group)) {
    throw new ChosError('usage', `invalid group name "${o.group}"`);
  }
  if (!SAFE_PATH.test(o.login)) throw new ChosError('usage', `chos-login path must be absolute and plain, found "${o.login}"`);
  return [
    '# chos: logins land in the user\'s chosen environment (written by chosctl sshd-config).',
    '# sshd runs ForceCommand through the user\'s shell with the client\'s command in',
    '# $SSH_ORIGINAL_COMMAND; chos-login runs that command once, inside. root is never moved.',
    '# Caution: ForceCommand overrides command="…" in authorized_keys and later ForceCommand',
    '# lines (sftp-only accounts): keep such accounts out of the group below.',
    '# A client may choose for one session: ssh -o SendEnv=CHOS host. (Global, so that it adds',
    '# to the AcceptEnv list instead of replacing it inside the Match block.)',
    'AcceptEnv CHOS',
    o.group === undefined ? 'Match all' : `Match Group ${o.group}`,
    `    ForceCommand ${o.login} ssh`,
    '# Back to the global settings for whatever follows.',
    'Match all',
    '',
  ].join('\n');
}

export const DROP_IN = '/etc/ssh/sshd_config.d/chos.conf';

/** Writes the drop-in atomically, checks it with `sshd -t`, and puts the old one back if it fails. */
export function installSshdConfig(text: string, file = DROP_IN): void {
  if (process.getuid?.() !== 0) throw new ChosError('not-root', 'chosctl sshd-config --install must run as root');
  if (!fs.existsSync(path.dirname(file))) {
    throw new ChosError('setup-failed', `${path.dirname(file)} does not exist`, {
      hint: 'is openssh-server installed? Older sshd_config files have no Include: paste the printed text at the end of sshd_config instead',
    });
  }
  if (spawnSync('sshd', ['-V'], { stdio: 'ignore' }).error) {
    throw new ChosError('setup-failed', 'sshd is not on the PATH', { hint: 'install openssh-server, or run as root with /usr/sbin on the PATH' });
  }
  const old = fs.existsSync(file) ? fs.readFileSync(file) : undefined;
  fs.writeFileSync(`${file}.chos-new`, text, { mode: 0o644 });
  fs.renameSync(`${file}.chos-new`, file);
  const r = spawnSync('sshd', ['-t'], { encoding: 'utf8' });
  if (r.status !== 0) {
    if (old === undefined) fs.rmSync(file, { force: true });
    else fs.writeFileSync(file, old);
    throw new ChosError('setup-failed', `sshd -t rejected the configuration: ${sshdComplaint(r.stderr || r.error?.message || '')}`, {
      hint: `nothing was changed; fix what sshd names, and check that /etc/ssh/sshd_config includes ${file}`,
    });
  }
}

/** What `sshd -t` printed, on one line: its non-blank lines joined by "; ". Pure. */
export function sshdComplaint(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return lines.length === 0 ? 'no reason given' : lines.join('; ');
}
