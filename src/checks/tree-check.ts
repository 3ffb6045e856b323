// Judges one OS tree from facts gathered about it (see src/inspect/gather.ts): is it safe and usable as a
// chos environment on this host? Pure.

import type { Finding } from './findings.js';
import { compareKernel } from '../inspect/elf.js';
import type { TreeCheckFacts } from '../inspect/gather.js';

const ver = (v: readonly number[]): string => v.join('.');

export function checkTree(f: TreeCheckFacts): Finding[] {
  const out: Finding[] = [];
  const add = (level: Finding['level'], code: string, message: string, hint?: string): void => {
    out.push({ subject: f.name, level, code, message, ...(hint ? { hint } : {}) });
  };

  if (f.kind === 'missing') {
    add('error', 'tree-missing', `tree does not exist: ${f.configuredPath}`, 'create it (e.g. with debootstrap) or fix the path in /etc/chos');
    return out;
  }
  if (f.kind === 'symlink') {
    add('error', 'tree-symlink', `tree path is a symlink (to ${f.symlinkTarget ?? '?'}): ${f.configuredPath}`,
      'write the real directory in /etc/chos: a symlink can be changed to point elsewhere between check and use');
  } else if (f.kind === 'other') {
    add('error', 'tree-not-directory', `tree path is not a directory: ${f.configuredPath}`);
    return out;
  }
  for (const p of f.chain) {
    if (p.uid !== 0) {
      add('error', 'tree-owner', `${p.path} is owned by uid ${p.uid}, not root: that user can change what everyone runs`,
        `run: chown root:root ${p.path}`);
    }
    // A root-owned sticky directory (/tmp) lets nobody else replace the entries below it.
    const sticky = p.uid === 0 && (p.mode & 0o1000) !== 0 && p !== f.chain[f.chain.length - 1];
    if ((p.mode & 0o022) !== 0 && !sticky) {
      const who = p.mode & 0o002 ? 'everyone' : 'its group';
      add('error', 'tree-writable', `${p.path} is writable by ${who} (mode ${(p.mode & 0o7777).toString(8).padStart(4, '0')})`,
        `run: chmod go-w ${p.path}`);
    }
  }
  if (!f.hasOsRelease) add('warning', 'no-os-release', 'the tree has no /etc/os-release (nor /usr/lib/os-release)', 'chos --list cannot name its OS');
  switch (f.sh.state) {
    case 'missing':
      add('error', 'no-sh', 'the tree has no /bin/sh', 'install a shell in the tree (dash or bash)');
      break;
    case 'not-executable':
      add('error', 'sh-not-executable', "the tree's /bin/sh is not executable");
      break;
    case 'script':
    case 'ok':
      break;
  }
  const elf = f.sh.elf ?? f.libc?.elf;
  if (elf && !elf.matchesHost) {
    add('error', 'arch-mismatch', `the tree is built for ${elf.machineName}, which this host cannot run natively`,
      'use a tree for the host\'s architecture');
  }
  const min = f.libc?.elf?.minKernel;
  if (min && compareKernel(min, f.kernel) > 0) {
    add('error', 'kernel-too-old', `the tree's C library (${f.libc?.path ?? 'libc'}) needs Linux ${ver(min)} or newer; this host runs ${ver(f.kernel)}`,
      'programs there would fail with "FATAL: kernel too old": use an older release, or boot a newer kernel');
  } else if (f.libc === undefined) {
    add('warning', 'no-libc', 'no C library found in the tree (lib*/libc.so.6)', 'a static or musl tree can work, but its kernel needs are not checked');
  }
  for (const s of f.shells) {
    if (!s.present) add('warning', 'shell-missing', `login shell ${s.shell} (used on this host) is not in the tree`, 'its users get /bin/sh there');
  }
  for (const name of ['passwd', 'group']) {
    const e = f.identity[name];
    if (!e || e.kind === 'missing') {
      add('warning', 'identity-missing', `the tree has no /etc/${name}: user and group names will not resolve inside`,
        `create it, or make it a symlink to /local/etc/${name} as CHOS trees did`);
    }
  }
  for (const [name, e] of Object.entries(f.identity)) {
    // localtime pointing into the tree's zoneinfo is how every distribution ships it.
    if (name === 'localtime' && e.target?.includes('/zoneinfo/')) continue;
    if (e.kind === 'symlink' && e.target !== undefined && !e.target.startsWith('/local/') && e.target.startsWith('/')) {
      add('warning', 'identity-symlink', `/etc/${name} is a symlink to ${e.target}, outside /local`,
        `chos never follows it: the host's ${name} is shown there instead; make it a symlink to /local/etc/${name}`);
    }
  }
  // Every distribution ships some (su, passwd, mount…): a property of the tree, not a fault.
  if (f.setuid + f.setgid > 0) {
    add('note', 'setuid-files', `${f.setuid} setuid and ${f.setgid} setgid files: they gain no privilege inside (nosuid, user namespace)`,
      'users may be surprised that su, sudo, ping or mount fail inside');
  }
  for (const w of f.planWarnings) add('warning', 'mount-point', w);
  if (!out.some((x) => x.level === 'warning' || x.level === 'error')) add('ok', 'tree-ok', `usable (${f.configuredPath})`);
  return out;
}
