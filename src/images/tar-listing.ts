// Reads GNU tar's verbose listing (`tar -tv --quoting-style=c --numeric-owner`) and vets an
// archive before anything is extracted: names that escape, links that redirect later members,
// hardlinks to members not yet seen, and caps on entries, bytes and depth. Pure.

export type MemberType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo' | 'other';

export interface Member {
  readonly type: MemberType;
  readonly mode: string;
  readonly size: number;
  /** Normalised: no leading "./", no trailing "/". */
  readonly name: string;
  readonly target?: string;
}

export interface Caps {
  readonly maxEntries: number;
  readonly maxBytes: number;
  readonly maxDepth: number;
}

/** Generous for OS trees (a full Debian desktop is ~300k entries, a few GiB). */
export const DEFAULT_CAPS: Caps = { maxEntries: 2_000_000, maxBytes: 64 * 2 ** 30, maxDepth: 128 };

/** The caps an admin set (--max-size, --max-entries), as create records them for update. */
export interface Limits {
  readonly maxBytes?: number;
  readonly maxEntries?: number;
}

/** The caps that differ from the defaults, to record. Pure. */
export function limitsOf(caps: Caps): Limits {
  return {
    ...(caps.maxBytes !== DEFAULT_CAPS.maxBytes ? { maxBytes: caps.maxBytes } : {}),
    ...(caps.maxEntries !== DEFAULT_CAPS.maxEntries ? { maxEntries: caps.maxEntries } : {}),
  };
}

/** The limits in what a file recorded: only positive whole numbers count, anything else is ignored. Pure. */
export function readLimits(v: unknown): Limits {
  if (typeof v !== 'object' || v === null) return {};
  const r = v as Record<string, unknown>;
  const ok = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n > 0;
  return { ...(ok(r['maxBytes']) ? { maxBytes: r['maxBytes'] } : {}), ...(ok(r['maxEntries']) ? { maxEntries: r['maxEntries'] } : {}) };
}

// After the mode, tar -xvv --xattrs marks members with extended attributes ("*"), ACLs ("+")
// or an SELinux context (".").
const LINE = /^(?<t>\S)(?<mode>\S{9})[*+.]?\s+\S+\s+(?<size>\S+)\s+\S+\s+\S+\s+"(?<name>(?:[^"\\]|\\.)*)"(?:\s+(?<rel>->|link to)\s+"(?<target>(?:[^"\\]|\\.)*)")?$/;

const TYPES: Record<string, MemberType> = {
  '-': 'file', d: 'dir', l: 'symlink', h: 'hardlink', c: 'char', b: 'block', p: 'fifo',
};

/** Undoes tar's C quoting: \\ \" \n \t \a \b \f \r \v and \ooo octal bytes. */
export function unquoteC(s: string): string {
  if (!s.includes('\\')) return s; // the common case: nothing escaped
  const bytes: number[] = [];
  const simple: Record<string, number> = { n: 10, t: 9, a: 7, b: 8, f: 12, r: 13, v: 11, '\\': 92, '"': 34, '?': 63 };
  // By code point, so characters outside the BMP (two UTF-16 units) stay whole.
  const cs = Array.from(s);
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i] ?? '';
    if (c !== '\\') {
      bytes.push(...Buffer.from(c, 'utf8'));
      continue;
    }
    const oct = /^[0-7]{3}/.exec(cs.slice(i + 1, i + 4).join(''));
    if (oct) {
      bytes.push(parseInt(oct[0], 8));
      i += 3;
    } else {
      const n = cs[i + 1] ?? '';
      const known = simple[n];
      if (known !== undefined) bytes.push(known);
      else bytes.push(...Buffer.from(n, 'utf8'));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Drops "./" parts, doubled and trailing slashes: "./a//./b/" is "a/b" (".." stays, to be refused). */
export function normaliseName(raw: string): string {
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  return (raw.startsWith('/') ? '/' : '') + parts.join('/');
}

export function parseListingLine(line: string): Member | { error: string } {
  const m = LINE.exec(line);
  if (!m?.groups) return { error: `unreadable listing line: ${JSON.stringify(line.slice(0, 200))}` };
  const g = m.groups;
  const type = TYPES[g['t'] ?? ''] ?? 'other';
  const size = /^\d+$/.test(g['size'] ?? '') ? Number(g['size']) : 0;
  const target = g['target'] === undefined ? undefined : unquoteC(g['target']);
  return {
    type,
    mode: g['mode'] ?? '',
    size,
    name: normaliseName(unquoteC(g['name'] ?? '')),
    ...(target === undefined ? {} : { target: type === 'hardlink' ? normaliseName(target) : target }),
  };
}

const escapes = (p: string): boolean => p.startsWith('/') || p.split('/').includes('..');

/** Every reason the archive must not be extracted; empty when it may be. */
export function vetListing(lines: readonly string[], caps: Caps = DEFAULT_CAPS): string[] {
  const problems: string[] = [];
  const kinds = new Map<string, MemberType>();
  let bytes = 0;
  let entries = 0;
  const fail = (msg: string): void => {
    if (problems.length < 20) problems.push(msg);
  };
  for (const line of lines) {
    if (line === '') continue;
    const m = parseListingLine(line);
    if ('error' in m) {
      fail(m.error);
      continue;
    }
    entries++;
    bytes += m.size;
    if (entries > caps.maxEntries) {
      fail(`more than ${caps.maxEntries} entries`);
      break;
    }
    if (bytes > caps.maxBytes) {
      fail(`more than ${caps.maxBytes} bytes of content`);
      break;
    }
    if (m.name === '') continue; // the archive's own "./"
    if (escapes(m.name)) {
      fail(`member "${m.name}" would be written outside the tree (absolute or ".." in its name)`);
      continue;
    }
    if (m.name.split('/').length > caps.maxDepth) {
      const shown = m.name.length > 100 ? `${m.name.slice(0, 100)}…` : m.name;
      fail(`member "${shown}" is nested deeper than ${caps.maxDepth} levels`);
      continue;
    }
    // A member below an earlier symlink would be written wherever that link points.
    const parts = m.name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      if (kinds.get(prefix) === 'symlink') {
        fail(`member "${m.name}" goes through the symlink "${prefix}" of the same archive`);
        break;
      }
    }
    const before = kinds.get(m.name);
    if (before === 'dir' && m.type !== 'dir') {
      fail(`member "${m.name}" replaces a directory of the same archive with a ${m.type}`);
    }
    if (m.type === 'hardlink') {
      const t = m.target ?? '';
      if (escapes(t)) fail(`hard link "${m.name}" points outside the tree ("${t}")`);
      else if (!kinds.has(t)) fail(`hard link "${m.name}" points to "${t}", which is not an earlier member`);
      else if (kinds.get(t) === 'symlink' || kinds.get(t) === 'dir') fail(`hard link "${m.name}" points to a ${kinds.get(t)} ("${t}")`);
    }
    kinds.set(m.name, m.type);
  }
  return problems;
}

/** What a listing holds that needs work after extraction: device nodes, setuid or setgid files. */
export interface Holds {
  readonly devices: boolean;
  readonly setuid: boolean;
}

export const HOLDS_NOTHING: Holds = { devices: false, setuid: false };

/** Whether the members of a listing include device nodes or setuid/setgid files. Pure. */
export function listingHolds(lines: readonly string[], before: Holds = HOLDS_NOTHING): Holds {
  let { devices, setuid } = before;
  for (const line of lines) {
    if (devices && setuid) break;
    if (line === '') continue;
    const m = parseListingLine(line);
    if ('error' in m) continue;
    if (m.type === 'char' || m.type === 'block') devices = true;
    // rws / rwS in the owner's or the group's triplet.
    if (/[sS]/.test(m.mode.charAt(2)) || /[sS]/.test(m.mode.charAt(5))) setuid = true;
  }
  return { devices, setuid };
}
