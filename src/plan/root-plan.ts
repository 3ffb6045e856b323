// The prepared root of one environment as data: the mount operations `chosctl setup` performs
// (as root, once) so that entering is a bare chroot in a user namespace. Pure.
//
// Layout of a prepared root (the modern form of the original /chos framework):
//   /            a read-only tmpfs skeleton owned by root
//   /usr, /var…  read-only, nosuid, nodev binds of the tree's top-level directories
//   /bin → usr/bin   the tree's top-level symlinks, recreated as they are
//   /etc         a read-only overlay: the tree's /etc under a layer of symlinks that point the
//                host identity files (passwd, group, hosts, …) at /local/etc/…, as CHOS sites
//                did by hand, so they follow every change the host makes
//   /usr/local/bin  the same trick adds `chos` (and the chos-rules.sh it sources), without
//                writing into the tree
//   /proc /dev /sys  recursive binds of the host's (so /dev/pts and /dev/shm come along)
//   /home /tmp   binds of the host's
//   /local       recursive bind of the host root
//   BINDMOUNT    each listed host directory at the same path
//   /.chos/env   which environment this is, read by `chos --which` inside

/** Host files shown inside through /local, where the tree has its own copy. */
export const IDENTITY_FILES = ['passwd', 'group', 'hosts', 'resolv.conf', 'localtime', 'nsswitch.conf'] as const;

/** Top-level names the plan provides itself; the tree's own entries there are not used. */
export const PROVIDED = ['proc', 'dev', 'sys', 'home', 'tmp', 'local', '.chos'] as const;

export type EntryKind = 'dir' | 'symlink' | 'file' | 'missing' | 'other';

export interface TreeEntry {
  readonly name: string;
  readonly kind: EntryKind;
  /** Link target, for symlinks. */
  readonly target?: string;
}

/** What setup found on disk (gathered by src/host/facts.ts). */
export interface TreeFacts {
  /** Absolute path of the tree (symlinks resolved). */
  readonly path: string;
  readonly topLevel: readonly TreeEntry[];
  /** Kind of each identity file in the tree's etc (and its link target). */
  readonly etc: Readonly<Record<string, { kind: EntryKind; target?: string }>>;
  /** Kind of usr/local/bin in the tree, walked without following symlinks. */
  readonly usrLocalBin: EntryKind;
  /** For each nested BINDMOUNT destination, whether it is a directory in the tree (no symlinks on the way). */
  readonly nestedDirs: Readonly<Record<string, boolean>>;
}

export interface HostFacts {
  /** Identity files that exist on the host (as anything: the symlink inside resolves through /local). */
  readonly identityFiles: readonly string[];
  /** Kind of each BINDMOUNT directory on the host, symlinks followed. */
  readonly bindMounts: Readonly<Record<string, EntryKind>>;
}

export type RootOp =
  | { readonly op: 'tmpfs'; readonly dst: string }
  | { readonly op: 'mkdir'; readonly dst: string }
  | { readonly op: 'symlink'; readonly target: string; readonly dst: string }
  | { readonly op: 'bind'; readonly src: string; readonly dst: string; readonly recursive: boolean; readonly readOnly: boolean }
  | { readonly op: 'overlay'; readonly lower: readonly string[]; readonly dst: string }
  | { readonly op: 'write'; readonly dst: string; readonly content: string }
  | { readonly op: 'remount-ro'; readonly dst: string };

export interface RootPlanInput {
  readonly name: string;
  /** Where the prepared root is mounted, e.g. /run/chos/gen-…/roots/NAME. */
  readonly root: string;
  /** Directory setup may fill with overlay layers for this environment. */
  readonly layers: string;
  readonly tree: TreeFacts;
  readonly host: HostFacts;
  readonly bindMounts: readonly string[];
  /** Contents of /.chos/env inside. */
  readonly marker: string;
  /** The launcher to make available as /usr/local/bin/chos (path on the host). */
  readonly launcher: string;
}

export interface RootPlan {
  readonly ops: readonly RootOp[];
  /** Files setup writes into the overlay layers before mounting (path → content or symlink). */
  readonly layerFiles: readonly LayerFile[];
  readonly warnings: readonly string[];
}

export type LayerFile =
  | { readonly kind: 'symlink'; readonly path: string; readonly target: string }
  | { readonly kind: 'copy'; readonly path: string; readonly from: string };

const isUnder = (p: string, dir: string): boolean => p === dir || p.startsWith(dir + '/');
const join = (a: string, b: string): string => (a.endsWith('/') ? a + b : `${a}/${b}`);

/** Characters overlayfs cannot take in a lowerdir path without escaping. */
export const OVERLAY_UNSAFE = /[:,\\\n]/;

export function planRoot(input: RootPlanInput): RootPlan {
  const { root, tree, host } = input;
  const ops: RootOp[] = [];
  const layerFiles: LayerFile[] = [];
  const warnings: string[] = [];
  const at = (rel: string): string => join(root, rel);

  // BINDMOUNT entries: drop those the built-in mounts already cover, keep parents first.
  const builtIn = ['/proc', '/dev', '/sys', '/home', '/tmp'];
  const binds: string[] = [];
  for (const dir of [...input.bindMounts].sort((a, b) => a.split('/').length - b.split('/').length)) {
    if (builtIn.some((b) => isUnder(dir, b))) continue;
    if (isUnder(dir, '/local') || isUnder(dir, '/.chos')) {
      warnings.push(`BINDMOUNT ${dir} skipped: chos itself provides /local (the host root) and /.chos`);
      continue;
    }
    if (binds.some((b) => isUnder(dir, b))) continue; // recursive bind of a parent covers it
    const kind = host.bindMounts[dir];
    if (kind !== 'dir') {
      warnings.push(`BINDMOUNT ${dir} skipped: it is not a directory on the host`);
      continue;
    }
    const depth = dir.split('/').length - 1;
    if (depth > 1 && !tree.nestedDirs[dir]) {
      warnings.push(`BINDMOUNT ${dir} skipped in "${input.name}": the tree has no directory there to mount on`);
      continue;
    }
    binds.push(dir);
  }
  const topBinds = new Set(binds.filter((d) => d.split('/').length === 2).map((d) => d.slice(1)));

  ops.push({ op: 'tmpfs', dst: root });

  // The tree's top level, except what the plan provides itself.
  const identity = IDENTITY_FILES.filter((f) => {
    const e = tree.etc[f];
    if (!e || !host.identityFiles.includes(f)) return false;
    if (e.kind === 'file') return true;
    // A symlink already pointing into /local was prepared the original way: leave it.
    return e.kind === 'symlink' && !(e.target ?? '').startsWith('/local/');
  });
  for (const entry of tree.topLevel) {
    if ((PROVIDED as readonly string[]).includes(entry.name) || topBinds.has(entry.name)) continue;
    const dst = at(entry.name);
    const src = join(tree.path, entry.name);
    switch (entry.kind) {
      case 'symlink':
        ops.push({ op: 'symlink', target: entry.target ?? '', dst });
        break;
      case 'dir':
        ops.push({ op: 'mkdir', dst });
        if (entry.name === 'etc' && identity.length > 0) {
          const layer = join(input.layers, 'etc');
          for (const f of identity) layerFiles.push({ kind: 'symlink', path: join(layer, f), target: `/local/etc/${f}` });
          ops.push({ op: 'overlay', lower: [layer, src], dst });
        } else {
          ops.push({ op: 'bind', src, dst, recursive: false, readOnly: true });
        }
        break;
      case 'file':
        ops.push({ op: 'write', dst, content: '' });
        ops.push({ op: 'bind', src, dst, recursive: false, readOnly: true });
        break;
      case 'missing':
      case 'other':
        break; // sockets, devices, fifos at the top of a tree are not carried over
      default: {
        const never: never = entry.kind;
        throw new Error(`unhandled entry kind ${String(never)}`);
      }
    }
  }

  // `chos` itself at /usr/local/bin/chos, so `chos --which` and pass-through work inside.
  // Not when /usr is a top-level BINDMOUNT: the tree's usr is then not mounted, so the overlay
  // would have no mount point yet (and the host's /usr, bound later, would cover it anyway).
  const hasUsr = !topBinds.has('usr') && tree.topLevel.some((e) => e.name === 'usr' && e.kind === 'dir');
  if (hasUsr && tree.usrLocalBin === 'dir') {
    const layer = join(input.layers, 'usr-local-bin');
    layerFiles.push({ kind: 'copy', path: join(layer, 'chos'), from: input.launcher });
    // The selection rules bin/chos sources, from next to the launcher (bin/chos-rules.sh).
    layerFiles.push({ kind: 'copy', path: join(layer, 'chos-rules.sh'), from: join(input.launcher.slice(0, input.launcher.lastIndexOf('/')), 'chos-rules.sh') });
    // Slurm's client commands: the tree's own when it has them, else a clear message (docs/slurm.md).
    for (const c of ['srun', 'sbatch', 'salloc']) layerFiles.push({ kind: 'copy', path: join(layer, c), from: `${input.launcher.slice(0, input.launcher.lastIndexOf('/') + 1)}chos-slurm-shim` });
    ops.push({ op: 'overlay', lower: [layer, join(tree.path, 'usr/local/bin')], dst: at('usr/local/bin') });
  } else {
    warnings.push(`"${input.name}" has no /usr/local/bin directory: chos will not be on the PATH inside`);
  }

  // Host integration.
  for (const d of ['proc', 'dev', 'sys']) {
    ops.push({ op: 'mkdir', dst: at(d) });
    ops.push({ op: 'bind', src: `/${d}`, dst: at(d), recursive: true, readOnly: false });
  }
  for (const d of ['home', 'tmp']) {
    ops.push({ op: 'mkdir', dst: at(d) });
    ops.push({ op: 'bind', src: `/${d}`, dst: at(d), recursive: true, readOnly: false });
  }
  ops.push({ op: 'mkdir', dst: at('local') });
  ops.push({ op: 'bind', src: '/', dst: at('local'), recursive: true, readOnly: false });
  for (const dir of binds) {
    if (topBinds.has(dir.slice(1))) ops.push({ op: 'mkdir', dst: at(dir.slice(1)) });
    ops.push({ op: 'bind', src: dir, dst: at(dir.slice(1)), recursive: true, readOnly: false });
  }
  ops.push({ op: 'mkdir', dst: at('.chos') });
  ops.push({ op: 'write', dst: at('.chos/env'), content: input.marker });
  ops.push({ op: 'remount-ro', dst: root });
  return { ops, layerFiles, warnings };
}
