// The one inspection of a configured tree, used by setup (to prepare it and record its health
// in the catalog) and by chosctl check (to report on it): where it really lies, whether it can
// be mounted at all, who may change it, its own chos.conf and os-release, what planning needs
// and what checkTree judges. Doctor reads the outcome from the catalog. I/O (read-only; every
// path of the tree is resolved inside it, see src/host/in-tree.ts).

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TreeConf } from '../config/chos-conf.js';
import { prettyName, readTreeConf, treeFacts } from '../host/facts.js';
import { type HostFacts, OVERLAY_UNSAFE, planRoot, type TreeFacts } from '../plan/root-plan.js';
import { gatherTree, type TreeCheckFacts } from './gather.js';

export interface TreeInspection {
  readonly name: string;
  readonly configuredPath: string;
  /** The tree's real path (links in the configured path resolved); undefined when it does not exist. */
  readonly real?: string;
  /** Why the tree cannot be prepared at all; undefined when it can. */
  readonly unusable?: { readonly kind: 'missing' | 'not-directory' | 'overlay-unsafe'; readonly message: string; readonly hint?: string };
  /** Who other than root may change the tree directory or a directory at its top (see treeOwnershipProblems). */
  readonly ownership: readonly string[];
  /** The tree's etc/chos.conf, parsed (defaults with a warning when it cannot be read). */
  readonly conf: TreeConf;
  /** What planning needs; undefined when the tree is unusable. */
  readonly facts?: TreeFacts;
  /** Planning's warnings for this tree (mount points it lacks). */
  readonly planWarnings: readonly string[];
  readonly prettyName?: string;
  /** What checkTree (src/checks/tree-check.ts) judges. */
  readonly checkFacts: TreeCheckFacts;
}

export interface InspectOptions {
  readonly bindMounts: readonly string[];
  /** The host's facts, gathered once for all trees (hostFacts(bindMounts)). */
  readonly host: HostFacts;
  /** Walks every file for setuid and setgid bits (chosctl check); setup, which runs at every boot, does not. */
  readonly walkSetid: boolean;
}

function usable(configuredPath: string): { real?: string; unusable?: TreeInspection['unusable'] } {
  let real: string;
  try {
    real = fs.realpathSync(configuredPath);
  } catch {
    return { unusable: { kind: 'missing', message: `does not exist: ${configuredPath}`, hint: 'create the tree (e.g. with debootstrap or chosctl create) or fix the path' } };
  }
  if (!fs.statSync(real).isDirectory()) return { real, unusable: { kind: 'not-directory', message: `is not a directory: ${configuredPath}` } };
  if (OVERLAY_UNSAFE.test(real)) {
    return { real, unusable: { kind: 'overlay-unsafe', message: `path holds ':', ',' or '\\', which overlayfs cannot take: ${real}`, hint: 'move or rename the tree' } };
  }
  return { real };
}

/** Inspects the tree of environment `name`, configured at `configuredPath` (not the host's "/"). */
export function inspectTree(name: string, configuredPath: string, o: InspectOptions): TreeInspection {
  const { real, unusable } = usable(configuredPath);
  const conf = readTreeConf(real ?? configuredPath);
  let facts: TreeFacts | undefined;
  let planWarnings: readonly string[] = [];
  if (real !== undefined && unusable === undefined) {
    try {
      facts = treeFacts(real, o.bindMounts);
      planWarnings = planRoot({
        name, root: '/nonexistent', layers: '/nonexistent', tree: facts, host: o.host,
        bindMounts: o.bindMounts, marker: '', launcher: '/nonexistent',
      }).warnings;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? String(e);
      return {
        name, configuredPath, real, conf, ownership: [], planWarnings,
        unusable: { kind: 'not-directory', message: `cannot be read (${code}): ${configuredPath}` },
        checkFacts: gatherTree(name, configuredPath, planWarnings, o.walkSetid),
      };
    }
  }
  return {
    name, configuredPath, conf, planWarnings,
    ...(real !== undefined ? { real } : {}),
    ...(unusable ? { unusable } : {}),
    ...(facts ? { facts } : {}),
    ownership: real !== undefined ? treeOwnershipProblems(real) : [],
    ...(real !== undefined && unusable === undefined ? { prettyName: prettyName(real) } : {}),
    checkFacts: gatherTree(name, configuredPath, planWarnings, o.walkSetid),
  };
}

const modeText = (m: number): string => (m & 0o7777).toString(8).padStart(4, '0');

/**
 * Problems with who may change a tree: the tree directory and each directory at its top level
 * must be root's and writable by nobody else (a user who can replace `usr/local` or a nested
 * mount point with a link between check and mount could redirect a mount onto a host path).
 */
export function treeOwnershipProblems(treePath: string): string[] {
  const out: string[] = [];
  const judge = (p: string, st: fs.Stats): void => {
    if (st.uid !== 0) out.push(`${p} is owned by uid ${st.uid}, not root`);
    if ((st.mode & 0o022) !== 0 && !(st.uid === 0 && st.mode & 0o1000 && p !== treePath)) {
      out.push(`${p} is writable by ${st.mode & 0o002 ? 'everyone' : 'its group'} (mode ${modeText(st.mode)})`);
    }
  };
  let top: fs.Stats;
  try {
    top = fs.lstatSync(treePath);
  } catch {
    return out; // reported as missing elsewhere
  }
  judge(treePath, top);
  let names: string[] = [];
  try {
    names = fs.readdirSync(treePath).sort();
  } catch { /* unreadable: the plan will fail on it */ }
  for (const n of names) {
    const p = path.join(treePath, n);
    try {
      const st = fs.lstatSync(p);
      if (st.isDirectory()) judge(p, st);
    } catch { /* vanished */ }
  }
  return out;
}

