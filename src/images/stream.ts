// One pass over an archive, in the sandbox: decompress it once, and feed the bytes at the same
// time to GNU tar's listing (which chos vets) and to either the extracting tar or a plain copy
// for later. What follows the archive's end is counted from the listing tar's own input, so
// trailing data is caught in compressed archives too; decompression is capped, so a bomb stops
// at the cap instead of filling the disk or memory.
//
// Extracting while listing is safe because the sandbox lets the extractor write only inside
// staging, and a refused archive throws staging away whole: vetting decides whether the result
// is used, the sandbox decides where anything can be written. It is used where nothing already
// in the tree can be redirected (the first layer of an image, a rootfs tarball, an image
// archive); layers on top of others are listed and stored first, then vetted against the tree
// below, then extracted. I/O, except the parsers.

import * as fs from 'node:fs';
import { type Caps, DEFAULT_CAPS, parseListingLine, unquoteC, vetListing } from './tar-listing.js';
import { runSandboxedFull, sandboxFailed } from './sandbox.js';
import { ChosError } from '../errors.js';

export type Compression = 'gzip' | 'zstd' | 'xz' | 'plain';

/** The compression of an archive by its magic bytes (what a media type claims is checked elsewhere). */
export function compressionOfBytes(b: Buffer): Compression {
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  if (b.length >= 4 && b.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  if (b.length >= 6 && b.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  return 'plain';
}

export function compressionOf(file: string): Compression {
  // Non-blocking: a FIFO put in the archive's place after it was checked does not hang here.
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  try {
    const b = Buffer.alloc(6);
    const n = fs.readSync(fd, b, 0, 6, 0);
    return compressionOfBytes(b.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
}

/** Most bytes the decompressed stream may have: the content cap, plus headers for every entry, plus slack. Pure. */
export function streamLimit(caps: Caps): number {
  return caps.maxBytes + caps.maxEntries * 2048 + 2 ** 20;
}

/**
 * The sandboxed script. Arguments: MODE (extract|store|list) LIMIT COMPRESSION, then for
 * extract the extracting tar's argv without -f, for store the file to write. The archive is at
 * /tmp/in. Prints the listing on stdout (the extracting tar's own, with -vv: one tar reads the
 * stream) and, last on stderr, one status line (see parseStreamStatus). Pure.
 */
export const STREAM_SCRIPT = `set -o pipefail
mode=$1 limit=$2 comp=$3; shift 3
decompress() {
  case $comp in
  # zstd reads gzip about twice as fast as gzip does, when it was built with zlib.
  gzip) if zstd -H 2>&1 | grep -q -- --format=gzip; then zstd -dcq; else gzip -dc; fi ;;
  zstd) zstd -dcq ;;
  xz) xz -dcq ;;
  *) cat ;;
  esac
}
# tar stops at the archive's end; whatever it left unread is what follows the end.
consume() {
  case $mode in
  extract) "$@" --verbose --verbose --quoting-style=c -f -; echo $? >/tmp/extract-status ;;
  *) tar --list --verbose --numeric-owner --quoting-style=c -f -; echo $? >/tmp/list-status ;;
  esac
  tr -d '\\000' | wc -c >/tmp/after
}
echo 0 >/tmp/list-status; echo 0 >/tmp/extract-status
# The cap cuts a decompressed stream: the decompressor then dies of SIGPIPE (status 141), as
# nothing else stops reading. A plain archive is read in place: its size is known.
if [ "$mode" = store ]; then
  out=$1; shift
  decompress </tmp/in | head -c "$limit" | tee -p "$out" | consume
elif [ "$comp" = plain ]; then
  consume "$@" </tmp/in
else
  decompress </tmp/in | head -c "$limit" | consume "$@"
fi
copied=$?
echo "chos-stream copy=$copied list=$(cat /tmp/list-status) extract=$(cat /tmp/extract-status) after=$(cat /tmp/after)" >&2
`;

export interface StreamStatus {
  /** Exit status of the decompress | cap (| store) pipeline: 141 when the cap cut it. */
  readonly copy: number;
  /** The listing tar's (store, list). */
  readonly list: number;
  /** The extracting tar's (extract). */
  readonly extract: number;
  /** Non-zero bytes after the archive's end. */
  readonly after: number;
}

/** The status line the script prints last on stderr, and the stderr before it. Pure. */
export function parseStreamStatus(stderr: string): { status: StreamStatus; rest: string } | undefined {
  const m = /(?:^|\n)chos-stream copy=(\d+) list=(\d+) extract=(\d+) after=(\d+)\n?$/.exec(stderr);
  if (!m) return undefined;
  const n = (i: number): number => Number(m[i]);
  return { status: { copy: n(1), list: n(2), extract: n(3), after: n(4) }, rest: stderr.slice(0, m.index).trim() };
}

/** What GNU tar (1.34) says of an archive it cannot read (rather than of a file it cannot write). */
const UNREADABLE = new RegExp([
  'Unexpected EOF in archive', 'Archive is compressed', 'does not look like a tar archive', 'Skipping to next header',
  'Archive (?:signed )?(?:octal|base-\\d+) value .* (?:out of|is out of)', 'Archive value .* is out of', 'Malformed extended header',
  'Archive contains .* where numeric .* value expected', 'Archive contains obsolescent base-64 headers', 'Ignoring unknown extended header keyword',
].join('|'));

/** What tee says when it cannot store the decompressed copy (a local failure, not the archive's fault). */
const STORE_FAILED = /^tee: /m;

/** tar -xvv's note of a directory it makes for a member whose parent the archive lacks: not a member. */
const IMPLIED_DIRECTORY = /^d\S{9}[*+.]?\s+Creating directory: "/;

/** GNU tar's refusal of a member whose name climbs out (it skips it, and leaves it out of -xvv's listing). */
const CLIMBING = /tar: "((?:[^"\\]|\\.)*)": Member name contains '\.\.'/;

/**
 * Status of a process killed by SIGPIPE, as sh reports it. A stream over the cap by less than
 * a pipe buffer may end before the cap's head exits: the cap is against bombs, not exact.
 */
const SIGPIPE_STATUS = 141;

/**
 * Why the pass failed, from its status and the tools' messages, undefined when it did not:
 * "refuse" for what is wrong with the archive, "fail" for what went wrong here (a full disk).
 * Pure.
 */
export function streamFailure(s: StreamStatus, limit: number, messages: string): { refuse: string } | { fail: string } | undefined {
  const said = messages.split('\n').map((l) => l.trim()).filter((l) => l !== '').slice(-3).join('; ');
  const tail = said ? `: ${said}` : '';
  if (s.copy === SIGPIPE_STATUS) return { refuse: `more than ${limit} bytes once decompressed` };
  const climbing = s.extract !== 0 ? CLIMBING.exec(messages) : null;
  if (climbing) return { refuse: `member "${unquoteC(climbing[1] ?? '')}" would be written outside the tree (".." in its name)` };
  const tar = s.list !== 0 ? s.list : s.extract;
  if (tar !== 0 && (s.list !== 0 || UNREADABLE.test(messages))) return { refuse: `cannot read it as a tar archive (tar status ${tar})${tail}` };
  if (s.copy !== 0 && STORE_FAILED.test(messages)) return { fail: `cannot store it decompressed (status ${s.copy})${tail}` };
  if (s.copy !== 0) return { refuse: `cannot decompress it (status ${s.copy})${tail}` };
  // A tar that stopped early left the rest unread: that is no trailing data.
  if (s.extract !== 0) return { fail: `extraction failed (tar status ${s.extract})${tail}` };
  if (s.after > 0) return { refuse: `${s.after} byte${s.after === 1 ? '' : 's'} of data follow${s.after === 1 ? 's' : ''} the end of the archive` };
  return undefined;
}

/** Counts entries and bytes as listing lines arrive; a reason once a cap is passed. */
export class RunningCaps {
  /** Members and content bytes counted so far. */
  entries = 0;
  bytes = 0;
  constructor(private readonly caps: Caps) {}
  add(line: string): string | undefined {
    if (line === '') return undefined;
    const m = parseListingLine(line);
    if ('error' in m) return undefined; // reported by vetListing at the end
    this.entries++;
    this.bytes += m.size;
    if (this.entries > this.caps.maxEntries) return `more than ${this.caps.maxEntries} entries`;
    if (this.bytes > this.caps.maxBytes) return `more than ${this.caps.maxBytes} bytes of content`;
    return undefined;
  }
}

export interface PassOptions {
  /** The archive on the host. */
  readonly file: string;
  /** The directory the sandbox may write (staging). */
  readonly writable: string;
  /** Extract with this tar argv (no -f), store the decompressed archive at a path, or only list. */
  readonly to: { readonly extract: readonly string[] } | { readonly store: string } | 'list';
  readonly what: string;
  readonly onSpawn: (kill: () => void) => void;
  readonly caps?: Caps;
  /** Called as listing lines arrive, with the members and content bytes so far. */
  readonly onProgress?: (entries: number, bytes: number) => void;
}

/**
 * Runs one pass; resolves with the listing lines once the archive was read whole and passed
 * vetListing, else throws "refusing WHAT: why" (after the extractor stopped: the caller throws
 * staging away).
 */
export async function streamArchive(o: PassOptions): Promise<string[]> {
  const caps = o.caps ?? DEFAULT_CAPS;
  const limit = streamLimit(caps);
  const running = new RunningCaps(caps);
  const lines: string[] = [];
  let partial = '';
  let capped: string | undefined;
  let kill: () => void = () => {};
  const how = compressionOf(o.file);
  const mode = o.to === 'list' ? ['list', String(limit), how]
    : 'extract' in o.to ? ['extract', String(limit), how, ...o.to.extract] : ['store', String(limit), how, o.to.store];
  const take = (text: string): void => {
    for (const line of text.split('\n')) {
      if (IMPLIED_DIRECTORY.test(line)) continue;
      lines.push(line);
      capped ??= running.add(line);
    }
  };
  const r = await runSandboxedFull({
    writable: o.writable,
    readOnly: [[o.file, '/tmp/in']],
    onSpawn: (k) => {
      kill = k;
      o.onSpawn(k);
    },
    onStdout: (d) => {
      const text = partial + d.toString('utf8');
      const cut = text.lastIndexOf('\n');
      partial = text.slice(cut + 1);
      if (cut >= 0) take(text.slice(0, cut));
      if (capped) kill();
      else o.onProgress?.(running.entries, running.bytes);
    },
  }, ['bash', '-c', STREAM_SCRIPT, 'stream', ...mode], o.what);
  if (partial !== '') take(partial);
  if (capped) throw refusal(o.what, capped);
  const parsed = parseStreamStatus(r.stderr);
  if (!parsed || r.code !== 0) throw sandboxFailed(o.what, r);
  const failed = streamFailure(parsed.status, limit, parsed.rest);
  if (failed && 'refuse' in failed) throw refusal(o.what, failed.refuse);
  // Before the extractor's own failure: what vetting refuses is often what made tar fail.
  const problems = vetListing(lines, caps);
  if (problems.length > 0) throw refusal(o.what, `${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`);
  if (failed) throw new ChosError('setup-failed', `${o.what}: ${failed.fail}`);
  return lines;
}

function refusal(what: string, why: string): ChosError {
  return new ChosError('setup-failed', `refusing ${what}: ${why}`);
}
