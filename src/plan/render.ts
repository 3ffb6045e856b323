// Renders plans to the text that the edges execute or source: a sh script of mount(8) calls
// for setup, and the variable files bin/chos sources on the hot path. Pure.

import { isVariableName } from '../config/names.js';
import type { RootOp } from './root-plan.js';

/** Quotes a string for POSIX sh: '…' with each ' written as '\''. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * One op as sh: one command per line, so that `set -e` stops at the first failure (a failure
 * on the left of `&&` would not). Every new mount is made private or a slave right away: propagation from the
 * host still reaches the binds (a new NFS mount under /home shows up inside), but nothing done
 * under /run/chos propagates back out (see mount_namespaces(7), "Shared subtrees").
 */
export function renderOp(op: RootOp): string {
  const q = shQuote;
  switch (op.op) {
    case 'tmpfs':
      return `mount -t tmpfs -o mode=0755,nosuid,nodev chos ${q(op.dst)}\nmount --make-private ${q(op.dst)}`;
    case 'mkdir':
      return `mkdir -p -- ${q(op.dst)}`;
    case 'symlink':
      return `ln -s -- ${q(op.target)} ${q(op.dst)}`;
    case 'write':
      return `printf '%s' ${q(op.content)} > ${q(op.dst)}`;
    case 'bind':
      if (op.recursive) {
        return `mount --rbind -- ${q(op.src)} ${q(op.dst)}\nmount --make-rslave ${q(op.dst)}`;
      }
      return (
        `mount -o bind${op.readOnly ? ',ro,nosuid,nodev' : ''} -- ${q(op.src)} ${q(op.dst)}` +
        `\nmount --make-private ${q(op.dst)}`
      );
    case 'overlay':
      return (
        `mount -t overlay -o ro,nosuid,nodev,lowerdir=${q(op.lower.join(':'))} chos ${q(op.dst)}` +
        `\nmount --make-private ${q(op.dst)}`
      );
    case 'remount-ro':
      return `mount -o remount,bind,ro,nosuid,nodev ${q(op.dst)}`;
    default: {
      const never: never = op;
      throw new Error(`unhandled op ${JSON.stringify(never)}`);
    }
  }
}

export function renderSetupScript(ops: readonly RootOp[]): string {
  return ['set -e', ...ops.map(renderOp), ''].join('\n');
}

export interface LaunchVars {
  /** Where to chroot; "/" for the host. */
  readonly root: string;
  /** Variable names a login shell keeps (PATH excluded: it is reset). */
  readonly keep: readonly string[];
  readonly bashLogin: boolean;
  /** Set only in the marker inside an environment. */
  readonly here?: string;
  /** For an alias (`default:debian12`): the name entered and exported as CHOS. */
  readonly name?: string;
  /** ENTRY="setuid": the helper's path on the host (inside, reached as /local + it). */
  readonly helper?: string;
}

/**
 * The file bin/chos sources: plain assignments of quoted values, nothing else. Names in `keep`
 * are re-checked here because the launcher evaluates them.
 */
export function renderLaunchVars(v: LaunchVars): string {
  const lines = [
    ...(v.here === undefined ? [] : [`here=${shQuote(v.here)}`]),
    ...(v.here === undefined ? [`root=${shQuote(v.root)}`] : []),
    ...(v.name === undefined ? [] : [`name=${shQuote(v.name)}`]),
    `keep=${shQuote(v.keep.filter((k) => k !== 'PATH' && isVariableName(k)).join(' '))}`,
    `bashlogin=${v.bashLogin ? 1 : 0}`,
    ...(v.helper === undefined ? [] : [`helper=${shQuote(v.helper)}`]),
  ];
  return lines.join('\n') + '\n';
}
