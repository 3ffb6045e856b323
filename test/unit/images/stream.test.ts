// Unit tests for the pure parts of src/images/stream.ts: the compression an archive's magic bytes
// name, the decompression limit, the sandboxed script's text, the status line it prints, what a
// status means (refused, failed here, or fine), and the running caps on listing lines. Pure,
// except the script's own tests, which run it with bash on small archives the test makes, in a
// private /tmp (unshare --user --mount), and show what it does rather than how it reads. Status lines
// and messages are in the exact form the script printed when run by hand (GNU tar 1.34, zstd
// 1.5.4, xz 5.4.1, coreutils) on small archives: clean, truncated, capped, not tar, with bytes
// appended, with members whose names climb out, compressed and then truncated or corrupted,
// extracted into a missing directory, and extracted or stored into a full tmpfs.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import {
  compressionOfBytes,
  parseStreamStatus,
  RunningCaps,
  STREAM_SCRIPT,
  type StreamStatus,
  streamFailure,
  streamLimit,
} from '../../../src/images/stream.js';
import { type Caps, DEFAULT_CAPS, vetListing } from '../../../src/images/tar-listing.js';

// Listing lines in GNU tar's layout (`tar -tv --numeric-owner --quoting-style=c`).
const DATE = '2024-01-01 00:00';
const row = (mode: string, size: string, name: string, tail = ''): string =>
  `${mode} 0/0${size.padStart(16)} ${DATE} "${name}"${tail}`;
const f = (name: string, size = 1): string => row('-rw-r--r--', String(size), name);
const d = (name: string): string => row('drwxr-xr-x', '0', name);
const l = (name: string, target: string): string => row('lrwxrwxrwx', '0', name, ` -> "${target}"`);
const h = (name: string, target: string): string => row('hrw-r--r--', '0', name, ` link to "${target}"`);
const c = (name: string, dev = '1,3'): string => row('crw-r--r--', dev, name);

const bytes = (...b: number[]): Buffer => Buffer.from(b);
const GZIP = [0x1f, 0x8b];
const ZSTD = [0x28, 0xb5, 0x2f, 0xfd];
const XZ = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];

describe('compressionOfBytes', () => {
  test('an empty buffer is plain', () => {
    assert.equal(compressionOfBytes(Buffer.alloc(0)), 'plain');
  });
  test('the two gzip magic bytes alone are gzip', () => {
    assert.equal(compressionOfBytes(bytes(...GZIP)), 'gzip');
  });
  test('a real gzip stream is gzip', () => {
    assert.equal(compressionOfBytes(zlib.gzipSync(Buffer.from('hello'))), 'gzip');
  });
  test('the first gzip byte alone is plain', () => {
    assert.equal(compressionOfBytes(bytes(0x1f)), 'plain');
  });
  test('the gzip bytes swapped are plain', () => {
    assert.equal(compressionOfBytes(bytes(0x8b, 0x1f, 0, 0, 0, 0)), 'plain');
  });
  test('a raw deflate or zlib stream is plain', () => {
    assert.equal(compressionOfBytes(zlib.deflateSync(Buffer.from('hello'))), 'plain');
    assert.equal(compressionOfBytes(zlib.deflateRawSync(Buffer.from('hello'))), 'plain');
  });
  test('the zstd frame magic, little-endian, is zstd', () => {
    assert.equal(compressionOfBytes(bytes(...ZSTD)), 'zstd');
    assert.equal(compressionOfBytes(bytes(...ZSTD, 0x24, 0x05, 0x29, 0x00)), 'zstd');
  });
  test('the zstd magic in big-endian order is plain', () => {
    assert.equal(compressionOfBytes(bytes(0xfd, 0x2f, 0xb5, 0x28, 0, 0)), 'plain');
  });
  test('three of the four zstd magic bytes are plain', () => {
    assert.equal(compressionOfBytes(bytes(0x28, 0xb5, 0x2f)), 'plain');
  });
  test('the xz magic is xz', () => {
    assert.equal(compressionOfBytes(bytes(...XZ)), 'xz');
    assert.equal(compressionOfBytes(bytes(...XZ, 0x00, 0x04, 0xe6, 0xd6)), 'xz');
  });
  test('five of the six xz magic bytes are plain', () => {
    assert.equal(compressionOfBytes(bytes(...XZ.slice(0, 5))), 'plain');
  });
  test('the xz magic with a non-zero sixth byte is plain', () => {
    assert.equal(compressionOfBytes(bytes(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x01)), 'plain');
  });
  test('a tar header is plain', () => {
    const header = Buffer.alloc(512);
    header.write('./etc/passwd', 0, 'latin1');
    header.write('ustar  ', 257, 'latin1');
    assert.equal(compressionOfBytes(header), 'plain');
  });
  test('ASCII text is plain', () => {
    assert.equal(compressionOfBytes(Buffer.from('etc/passwd\n')), 'plain');
  });
  test('the magic is read at the start of a buffer that is a view into a larger one', () => {
    const big = bytes(0, 0, ...ZSTD, 0, 0);
    assert.equal(compressionOfBytes(big.subarray(2)), 'zstd');
    assert.equal(compressionOfBytes(big), 'plain');
    assert.equal(compressionOfBytes(bytes(0, ...GZIP).subarray(1)), 'gzip');
  });
  test('the six bytes compressionOf reads are enough to tell every format', () => {
    const samples = [zlib.gzipSync(Buffer.from('x')), bytes(...ZSTD, 1, 2, 3, 4), bytes(...XZ, 9, 9), Buffer.from('plain text')];
    for (const s of samples) assert.equal(compressionOfBytes(s.subarray(0, 6)), compressionOfBytes(s));
  });
});

describe('streamLimit', () => {
  test('is the content cap, plus 2048 bytes for every entry, plus 1 MiB', () => {
    assert.equal(streamLimit({ maxEntries: 3, maxBytes: 100, maxDepth: 8 }), 100 + 3 * 2048 + 2 ** 20);
  });
  test('is 1 MiB when both caps are zero', () => {
    assert.equal(streamLimit({ maxEntries: 0, maxBytes: 0, maxDepth: 0 }), 2 ** 20);
  });
  test('for the default caps is a little above 67 GiB and an exact whole number', () => {
    const limit = streamLimit(DEFAULT_CAPS);
    assert.equal(limit, 64 * 2 ** 30 + 2_000_000 * 2048 + 2 ** 20);
    assert.ok(Number.isSafeInteger(limit));
  });
  test('does not depend on the depth cap', () => {
    assert.equal(streamLimit({ maxEntries: 10, maxBytes: 10, maxDepth: 1 }), streamLimit({ maxEntries: 10, maxBytes: 10, maxDepth: 1000 }));
  });
  test('grows with each cap', () => {
    const base: Caps = { maxEntries: 10, maxBytes: 1000, maxDepth: 8 };
    assert.equal(streamLimit({ ...base, maxBytes: 1001 }) - streamLimit(base), 1);
    assert.equal(streamLimit({ ...base, maxEntries: 11 }) - streamLimit(base), 2048);
  });
  test('is above the content cap plus a header and a padded block for every entry', () => {
    const caps: Caps = { maxEntries: 1000, maxBytes: 5000, maxDepth: 8 };
    // A tar of maxEntries files, each with its 512-byte header and up to 511 bytes of padding,
    // plus the 1024-byte end and blocking up to 10240 bytes, still fits.
    assert.ok(streamLimit(caps) > caps.maxBytes + caps.maxEntries * 1024 + 10240);
  });
});

describe('STREAM_SCRIPT', () => {
  test('is bash that parses (bash -n), with the arguments of each mode', () => {
    const argvs = [
      ['extract', '1', 'gzip', 'tar', '--extract', '-C', '/tmp/tree'],
      ['store', '1', 'plain', '/dev/null'],
      ['list', '1', 'xz'],
    ];
    for (const argv of argvs) {
      const r = spawnSync('bash', ['-n', '-c', STREAM_SCRIPT, 'stream', ...argv], { encoding: 'utf8' });
      assert.equal(r.error, undefined);
      assert.equal(r.stderr, '', argv[0]);
      assert.equal(r.status, 0, argv[0]);
    }
  });

  // The script run for real by bash on small archives, each in a private /tmp (a user and
  // mount namespace of its own, as the sandbox gives it) with the archive at /tmp/in.
  let work = '';
  let tarBytes = Buffer.alloc(0);
  before(() => {
    for (const [tool, pkg] of [['zstd', 'zstd'], ['xz', 'xz-utils'], ['unshare', 'util-linux']]) {
      assert.equal(spawnSync('sh', ['-c', `command -v ${tool}`]).status, 0, `${tool} is not installed: apt-get install ${pkg}`);
    }
    work = fs.mkdtempSync('/var/tmp/chos-stream-test-');
    const src = path.join(work, 'src');
    fs.mkdirSync(path.join(src, 'dir'), { recursive: true });
    fs.writeFileSync(path.join(src, 'a.txt'), 'alpha\n');
    fs.writeFileSync(path.join(src, 'dir', 'b "q".txt'), 'beta\n');
    fs.symlinkSync('a.txt', path.join(src, 'link'));
    const r = spawnSync('tar', ['-C', src, '--owner=0', '--group=0', '-cf', '-', 'a.txt', 'dir', 'link']);
    assert.equal(r.status, 0);
    tarBytes = r.stdout;
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  const compress = (how: 'plain' | 'gzip' | 'zstd' | 'xz', data: Buffer): Buffer => {
    if (how === 'plain') return data;
    if (how === 'gzip') return zlib.gzipSync(data);
    return spawnSync(how === 'zstd' ? 'zstd' : 'xz', ['-c', '-q'], { input: data }).stdout;
  };
  /** Runs the script on `archive` with argv after the script name. */
  const runScript = (archive: Buffer, argv: readonly string[]): { status: number | null; stdout: string; stderr: string } => {
    const file = path.join(work, 'in');
    fs.writeFileSync(file, archive);
    const r = spawnSync('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c',
      'mount -t tmpfs none /tmp && cp "$1" /tmp/in && script=$2 && shift 2 && exec bash -c "$script" stream "$@"',
      'sh', file, STREAM_SCRIPT, ...argv], { encoding: 'utf8' });
    assert.equal(r.error, undefined);
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const statusOf = (stderr: string): StreamStatus | undefined => parseStreamStatus(stderr)?.status;

  for (const how of ['plain', 'gzip', 'zstd', 'xz'] as const) {
    test(`lists a ${how} archive in the format vetListing reads, ending stderr with a clean status line alone`, () => {
      const r = runScript(compress(how, tarBytes), ['list', String(1 << 20), how]);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(parseStreamStatus(r.stderr), { status: { copy: 0, list: 0, extract: 0, after: 0 }, rest: '' });
      const lines = r.stdout.trim().split('\n');
      assert.equal(lines.length, 4, r.stdout);
      assert.deepEqual(vetListing(lines, DEFAULT_CAPS), []);
      assert.match(r.stdout, /"dir\/b \\"q\\".txt"/);
      assert.match(r.stdout, /"link" -> "a\.txt"/);
    });
  }

  test('extracts with the given tar command into its directory, printing its C-quoted listing; the listing tar reports 0', () => {
    const into = path.join(work, 'tree');
    fs.rmSync(into, { recursive: true, force: true });
    fs.mkdirSync(into);
    const r = runScript(compress('zstd', tarBytes), ['extract', String(1 << 20), 'zstd', 'tar', '--extract', '-C', into]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(statusOf(r.stderr), { copy: 0, list: 0, extract: 0, after: 0 });
    assert.equal(fs.readFileSync(path.join(into, 'dir', 'b "q".txt'), 'utf8'), 'beta\n');
    assert.equal(fs.readlinkSync(path.join(into, 'link')), 'a.txt');
    assert.match(r.stdout, /"dir\/b \\"q\\".txt"/);
  });

  test('in store mode, writes the decompressed stream to the file it names while listing it', () => {
    const out = path.join(work, 'stored.tar');
    const r = runScript(compress('xz', tarBytes), ['store', String(1 << 20), 'xz', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(statusOf(r.stderr), { copy: 0, list: 0, extract: 0, after: 0 });
    assert.deepEqual(fs.readFileSync(out), tarBytes);
    assert.equal(r.stdout.trim().split('\n').length, 4);
  });

  test('cuts a compressed stream at the limit: the copy dies of SIGPIPE (141)', () => {
    const big = Buffer.concat([tarBytes.subarray(0, 512), Buffer.alloc(4 << 20, 'x')]);
    const r = runScript(compress('gzip', big), ['list', '4096', 'gzip']);
    assert.equal(statusOf(r.stderr)?.copy, 141, r.stderr);
  });

  test('reads a plain archive in place, without the cap', () => {
    const r = runScript(tarBytes, ['list', '1024', 'plain']);
    assert.deepEqual(statusOf(r.stderr), { copy: 0, list: 0, extract: 0, after: 0 });
  });

  test('counts the non-NUL bytes after the archive\'s end', () => {
    for (const how of ['plain', 'gzip'] as const) {
      const r = runScript(compress(how, Buffer.concat([tarBytes, Buffer.from('TRAILING\0\0\0')])), ['list', String(1 << 20), how]);
      assert.equal(statusOf(r.stderr)?.after, 8, `${how}: ${r.stderr}`);
    }
  });

  test('a truncated compressed stream fails the copy (pipefail), and its tools\' messages come before the status line', () => {
    const z = compress('xz', tarBytes);
    const r = runScript(z.subarray(0, z.length - 20), ['list', String(1 << 20), 'xz']);
    const parsed = parseStreamStatus(r.stderr);
    assert.ok(parsed, r.stderr);
    assert.notEqual(parsed.status.copy, 0);
    assert.match(parsed.rest, /xz/);
  });

  test('a stream that is not tar fails the listing tar, with tar\'s message before the status line', () => {
    const r = runScript(compress('zstd', Buffer.alloc(4096, 'n')), ['list', String(1 << 20), 'zstd']);
    const parsed = parseStreamStatus(r.stderr);
    assert.ok(parsed, r.stderr);
    assert.notEqual(parsed.status.list, 0);
    assert.equal(parsed.status.extract, 0);
    assert.match(parsed.rest, /tar: /);
  });
});

describe('parseStreamStatus', () => {
  const ok: StreamStatus = { copy: 0, list: 0, extract: 0, after: 0 };

  test('reads the line alone', () => {
    assert.deepEqual(parseStreamStatus('chos-stream copy=0 list=0 extract=0 after=0\n'), { status: ok, rest: '' });
  });
  test('the trailing newline is optional', () => {
    assert.deepEqual(parseStreamStatus('chos-stream copy=0 list=0 extract=0 after=0'), { status: ok, rest: '' });
  });
  test('reads every field into its own number', () => {
    assert.deepEqual(parseStreamStatus('chos-stream copy=141 list=2 extract=3 after=5\n')?.status, {
      copy: 141, list: 2, extract: 3, after: 5,
    });
  });
  test('has exactly the four fields copy, list, extract and after', () => {
    const status = parseStreamStatus('chos-stream copy=1 list=2 extract=3 after=4\n')?.status;
    assert.deepEqual(Object.keys(status ?? {}), ['copy', 'list', 'extract', 'after']);
  });
  test('reads counts beyond 32 bits', () => {
    assert.equal(parseStreamStatus('chos-stream copy=0 list=0 extract=0 after=72816525312\n')?.status.after, 72816525312);
  });
  test('reads numbers with leading zeros as decimal', () => {
    assert.deepEqual(parseStreamStatus('chos-stream copy=0141 list=00 extract=010 after=0\n')?.status, { copy: 141, list: 0, extract: 10, after: 0 });
  });
  test('returns the messages before the line as rest (a capped gzip stream being extracted)', () => {
    const r = parseStreamStatus('tar: Unexpected EOF in archive\ntar: Unexpected EOF in archive\ntar: Error is not recoverable: exiting now\nchos-stream copy=141 list=0 extract=2 after=0\n');
    assert.deepEqual(r, {
      status: { copy: 141, list: 0, extract: 2, after: 0 },
      rest: 'tar: Unexpected EOF in archive\ntar: Unexpected EOF in archive\ntar: Error is not recoverable: exiting now',
    });
  });
  test('trims the messages as a whole, keeping the spaces inside them', () => {
    const r = parseStreamStatus('\n\n  zstd: /*stdin*\\: premature gz end \ntar: Unexpected EOF in archive  \n\n\nchos-stream copy=1 list=2 extract=0 after=0\n');
    assert.equal(r?.rest, 'zstd: /*stdin*\\: premature gz end \ntar: Unexpected EOF in archive');
  });
  test('an earlier status line is part of the messages; the last one counts', () => {
    const r = parseStreamStatus('chos-stream copy=9 list=9 extract=9 after=9\nchos-stream copy=0 list=0 extract=0 after=1\n');
    assert.deepEqual(r?.status, { ...ok, after: 1 });
    assert.equal(r?.rest, 'chos-stream copy=9 list=9 extract=9 after=9');
  });
  test('a line that is not last is no status', () => {
    assert.equal(parseStreamStatus('chos-stream copy=0 list=0 extract=0 after=0\nbwrap: late message\n'), undefined);
  });
  test('a blank line after the status line means it was not last', () => {
    assert.equal(parseStreamStatus('chos-stream copy=0 list=0 extract=0 after=0\n\n'), undefined);
  });

  const garbled: ReadonlyArray<readonly [string, string]> = [
    ['an empty stderr', ''],
    ['only messages', 'bash: tar: command not found\n'],
    ['the former five-field line, with size=', 'chos-stream copy=0 list=0 extract=0 size=10240 after=0\n'],
    ['a missing field', 'chos-stream copy=0 list=0 extract=0\n'],
    ['an empty field', 'chos-stream copy=0 list= extract=0 after=0\n'],
    ['a non-numeric field (a file the script could not read)', 'chos-stream copy=0 list=0 extract= after=0\n'],
    ['a negative number', 'chos-stream copy=-1 list=0 extract=0 after=0\n'],
    ['a fraction', 'chos-stream copy=0 list=0 extract=0 after=1.5\n'],
    ['a count padded with spaces, as some wc print it', 'chos-stream copy=0 list=0 extract=0 after=      5\n'],
    ['fields in another order', 'chos-stream list=0 copy=0 extract=0 after=0\n'],
    ['an extra field', 'chos-stream copy=0 list=0 extract=0 after=0 more=1\n'],
    ['two spaces between fields', 'chos-stream copy=0  list=0 extract=0 after=0\n'],
    ['a text before it on the same line', 'tar: chos-stream copy=0 list=0 extract=0 after=0\n'],
    ['a leading space', ' chos-stream copy=0 list=0 extract=0 after=0\n'],
    ['a trailing space', 'chos-stream copy=0 list=0 extract=0 after=0 \n'],
    ['a CRLF ending', 'chos-stream copy=0 list=0 extract=0 after=0\r\n'],
    ['another name', 'chos-streams copy=0 list=0 extract=0 after=0\n'],
    ['upper case', 'CHOS-STREAM COPY=0 LIST=0 EXTRACT=0 AFTER=0\n'],
  ];
  for (const [what, stderr] of garbled) {
    test(`${what} is no status`, () => assert.equal(parseStreamStatus(stderr), undefined));
  }
});

describe('streamFailure', () => {
  const LIMIT = 1000;
  const clean: StreamStatus = { copy: 0, list: 0, extract: 0, after: 0 };
  const at = (s: Partial<StreamStatus>): StreamStatus => ({ ...clean, ...s });
  // Messages as GNU tar 1.34, zstd 1.5.4, xz 5.4.1 and coreutils printed them in the runs by hand
  // (a trailing space on zstd's lines included).
  const TRUNCATED = 'tar: Unexpected EOF in archive\ntar: Unexpected EOF in archive\ntar: Error is not recoverable: exiting now';
  const GZ_TRUNCATED = `zstd: /*stdin*\\: premature gz end \n${TRUNCATED}`;
  const ZSTD_TRUNCATED = `/*stdin*\\ : Read error (39) : premature end \n${TRUNCATED}`;
  const GZ_CORRUPT = `zstd: /*stdin*\\: inflate error -3 \n${TRUNCATED}`;
  const XZ_CORRUPT = 'xz: (stdin): Compressed data is corrupt';
  const NOT_TAR = 'tar: This does not look like a tar archive\ntar: Skipping to next header\ntar: Exiting with failure status due to previous errors';
  const TEE_FULL = 'tee: /staging/layer.tar: No space left on device';
  const TAR_FULL = 'tar: ./big: Wrote only 2560 of 10240 bytes\ntar: "./d/b": Cannot write: No space left on device\ntar: Exiting with failure status due to previous errors';
  const NO_TREE = 'tar: "/staging/tree": Cannot open: No such file or directory\ntar: Error is not recoverable: exiting now';
  // As printed when extracting an archive with members "./ok", "./a/../../esc" and "../x y":
  // GNU tar skips the two that climb, leaves them out of its listing, and exits with 2.
  const CLIMBED = "tar: Removing leading `./a/../../' from member names\ntar: \"./a/../../esc\": Member name contains '..'\ntar: Removing leading `../' from member names\ntar: \"../x y\": Member name contains '..'\ntar: Exiting with failure status due to previous errors";
  const ESC = 'member "./a/../../esc" would be written outside the tree (".." in its name)';
  const CAPPED = 'more than 1000 bytes once decompressed';
  /** The messages as the tail of a reason: each line trimmed, blank lines dropped, joined by "; ". */
  const joined = (messages: string): string => messages.split('\n').map((x) => x.trim()).filter((x) => x !== '').join('; ');
  /** The last three lines of CLIMBED, as a tail. */
  const CLIMBED_TAIL = "tar: Removing leading `../' from member names; tar: \"../x y\": Member name contains '..'; tar: Exiting with failure status due to previous errors";

  describe('a pass that did not fail', () => {
    test('a clean pass did not fail', () => {
      assert.equal(streamFailure(clean, LIMIT, ''), undefined);
    });
    test('messages alone (warnings) do not make a clean pass fail', () => {
      assert.equal(streamFailure(clean, LIMIT, 'tar: ./x: time stamp 2099-01-01 is 1e9 s in the future'), undefined);
    });
    const said: ReadonlyArray<readonly [string, string]> = [
      ['a read error', TRUNCATED],
      ['a decompressor\'s error', XZ_CORRUPT],
      ['tee\'s error', TEE_FULL],
      ['a climbing member', CLIMBED],
      ['a write error', TAR_FULL],
    ];
    for (const [what, messages] of said) {
      test(`${what} in the messages does not make a pass fail whose statuses are all 0`, () => {
        assert.equal(streamFailure(clean, LIMIT, messages), undefined);
      });
    }
  });

  describe('1. the cap', () => {
    test('a copy killed by SIGPIPE (status 141) is refused as over the limit: the cap cut the stream', () => {
      assert.deepEqual(streamFailure(at({ copy: 141 }), LIMIT, ''), { refuse: CAPPED });
    });
    test('the limit is written in full, without separators', () => {
      assert.deepEqual(streamFailure(at({ copy: 141 }), streamLimit(DEFAULT_CAPS), ''), { refuse: 'more than 72816525312 bytes once decompressed' });
    });
    test('the cap refusal carries no messages', () => {
      assert.deepEqual(streamFailure(at({ copy: 141 }), LIMIT, TRUNCATED), { refuse: CAPPED });
    });
    const alsoWrong: ReadonlyArray<readonly [string, Partial<StreamStatus>, string]> = [
      ['a stream being extracted, whose tar then failed to read it', { extract: 2 }, TRUNCATED],
      ['a stream being listed, whose tar then failed to read it', { list: 2 }, 'tar: Unexpected EOF in archive\ntar: Error is not recoverable: exiting now'],
      ['a stream whose extracting tar skipped a climbing member', { extract: 2 }, CLIMBED],
      ['a stream whose copy tee could not store', {}, TEE_FULL],
      ['a stream whose extracting tar could not write', { extract: 2 }, TAR_FULL],
      ['a stream with data after the end', { after: 5 }, ''],
      ['a stream where everything else went wrong too', { list: 2, extract: 2, after: 5 }, `${CLIMBED}\n${TEE_FULL}\n${TRUNCATED}`],
    ];
    for (const [what, s, messages] of alsoWrong) {
      test(`the cap wins when it cut ${what}`, () => {
        assert.deepEqual(streamFailure(at({ ...s, copy: 141 }), LIMIT, messages), { refuse: CAPPED });
      });
    }
    test('only a copy status of 141 means the cap: any other is the decompressor\'s refusal', () => {
      for (const copy of [1, 2, 13, 128, 137, 140, 142, 143, 255]) {
        assert.deepEqual(streamFailure(at({ copy }), LIMIT, ''), { refuse: `cannot decompress it (status ${copy})` }, String(copy));
      }
    });
    test('a tar status of 141 is not the cap', () => {
      assert.deepEqual(streamFailure(at({ list: 141 }), LIMIT, ''), { refuse: 'cannot read it as a tar archive (tar status 141)' });
      assert.deepEqual(streamFailure(at({ extract: 141 }), LIMIT, ''), { fail: 'extraction failed (tar status 141)' });
    });
  });

  describe('2. a member whose name climbs out', () => {
    test('a member the extracting tar skipped for its ".." is refused, named as in the archive, without messages', () => {
      assert.deepEqual(streamFailure(at({ extract: 2 }), LIMIT, CLIMBED), { refuse: ESC });
    });
    test('the climbing member\'s name is unquoted from tar\'s C quoting', () => {
      // As printed for a member "café/../../x<TAB>y".
      const messages = "tar: Removing leading `café/../../' from member names\ntar: \"caf\\303\\251/../../x\\ty\": Member name contains '..'\ntar: Exiting with failure status due to previous errors";
      assert.deepEqual(streamFailure(at({ extract: 2 }), LIMIT, messages), {
        refuse: 'member "café/../../x\ty" would be written outside the tree (".." in its name)',
      });
    });
    test('an escaped double quote in the climbing member\'s name is part of the name', () => {
      assert.deepEqual(streamFailure(at({ extract: 2 }), LIMIT, "tar: \"a\\\"b/../../c\": Member name contains '..'"), {
        refuse: 'member "a"b/../../c" would be written outside the tree (".." in its name)',
      });
    });
    test('a name that merely contains tar\'s phrase, quoted, is no climbing member', () => {
      const messages = "tar: \"x\\\": Member name contains '..\": Cannot write: No space left on device";
      assert.deepEqual(streamFailure(at({ extract: 2 }), LIMIT, messages), { fail: `extraction failed (tar status 2): ${messages}` });
    });
    test('a climbing member counts only when the extracting tar failed', () => {
      assert.equal(streamFailure(clean, LIMIT, CLIMBED), undefined);
      assert.deepEqual(streamFailure(at({ list: 2 }), LIMIT, CLIMBED), { refuse: `cannot read it as a tar archive (tar status 2): ${CLIMBED_TAIL}` });
      assert.deepEqual(streamFailure(at({ copy: 1 }), LIMIT, CLIMBED), { refuse: `cannot decompress it (status 1): ${CLIMBED_TAIL}` });
    });
    const after: ReadonlyArray<readonly [string, Partial<StreamStatus>, string]> = [
      ['a failed listing', { list: 2 }, ''],
      ['a read error of the extracting tar', {}, TRUNCATED],
      ['a truncated compressed stream', { copy: 1 }, GZ_TRUNCATED],
      ['a copy tee could not store', { copy: 1 }, TEE_FULL],
      ['a decompressor\'s error', { copy: 1 }, XZ_CORRUPT],
      ['a write error', {}, TAR_FULL],
      ['data after the end', { after: 5 }, ''],
    ];
    for (const [what, s, messages] of after) {
      test(`a climbing member comes before ${what}, whichever message comes first`, () => {
        assert.deepEqual(streamFailure(at({ ...s, extract: 2 }), LIMIT, messages === '' ? CLIMBED : `${messages}\n${CLIMBED}`), { refuse: ESC });
        assert.deepEqual(streamFailure(at({ ...s, extract: 2 }), LIMIT, messages === '' ? CLIMBED : `${CLIMBED}\n${messages}`), { refuse: ESC });
      });
    }
  });

  describe('3. an archive tar cannot read', () => {
    test('a listing that failed is refused with tar\'s status and messages', () => {
      assert.deepEqual(streamFailure(at({ list: 2 }), LIMIT, NOT_TAR), {
        refuse: `cannot read it as a tar archive (tar status 2): ${joined(NOT_TAR)}`,
      });
    });
    test('a listing that failed for any reason is refused, even with messages of a local failure', () => {
      assert.deepEqual(streamFailure(at({ list: 2 }), LIMIT, 'tar: -: Cannot read: Input/output error'), {
        refuse: 'cannot read it as a tar archive (tar status 2): tar: -: Cannot read: Input/output error',
      });
    });
    test('a listing that failed without messages has no colon', () => {
      assert.deepEqual(streamFailure(at({ list: 2 }), LIMIT, ''), { refuse: 'cannot read it as a tar archive (tar status 2)' });
    });
    test('the listing tar\'s status is given when both tars failed', () => {
      assert.deepEqual(streamFailure(at({ list: 3, extract: 2 }), LIMIT, ''), { refuse: 'cannot read it as a tar archive (tar status 3)' });
    });

    // GNU tar 1.34's messages for archives it cannot read, as printed when extracting a truncated
    // archive, random bytes, a bzip2 archive (which chos sees as plain), and headers with their
    // checksum fixed after a size or a time stamp was garbled; the out-of-range and base-64
    // messages in the form of tar's sources (the base-256 one as printed).
    const unreadable: ReadonlyArray<readonly [string, string]> = [
      ['a truncated archive', TRUNCATED],
      ['bytes that are no archive', NOT_TAR],
      ['a header skipped alone', 'tar: Skipping to next header\ntar: Exiting with failure status due to previous errors'],
      ['an archive in a compression chos does not know', 'tar: Archive is compressed. Use -j option\ntar: Error is not recoverable: exiting now'],
      ['a size that is no number', 'tar: Archive contains ‘zzzzzzzzzzz’ where numeric off_t value expected\ntar: Skipping to next header\ntar: Exiting with failure status due to previous errors'],
      ['a time stamp that is no number', 'tar: Archive contains ‘9x9’ where numeric time_t value expected\ntar: ./a: implausibly old time stamp 1969-12-31 23:59:59\ntar: Exiting with failure status due to previous errors'],
      ['a malformed pax header', 'tar: Malformed extended header: missing equal sign\ntar: Exiting with failure status due to previous errors'],
      ['a base-256 size out of range', 'tar: Archive base-256 value is out of off_t range\ntar: Skipping to next header\ntar: Exiting with failure status due to previous errors'],
      ['an octal value out of range', 'tar: Archive octal value 777777777777 is out of uid_t range 0..4294967295\ntar: Exiting with failure status due to previous errors'],
      ['a signed base-64 value out of range', 'tar: Archive signed base-64 value +zzzzzz is out of uid_t range 0..4294967295\ntar: Exiting with failure status due to previous errors'],
      ['a value out of range', 'tar: Archive value -5 is out of mode_t range 0..4095\ntar: Exiting with failure status due to previous errors'],
      ['obsolescent base-64 headers', 'tar: Archive contains obsolescent base-64 headers\ntar: Exiting with failure status due to previous errors'],
      ['an unknown pax keyword', "tar: Ignoring unknown extended header keyword 'SCHILY.fflags'\ntar: Exiting with failure status due to previous errors"],
    ];
    for (const [what, messages] of unreadable) {
      test(`an extraction that failed on ${what} is refused as unreadable`, () => {
        assert.deepEqual(streamFailure(at({ extract: 2 }), LIMIT, messages), {
          refuse: `cannot read it as a tar archive (tar status 2): ${joined(messages)}`,
        });
      });
    }
    test('the read error is found anywhere in the messages, also before the three kept', () => {
      const messages = 'tar: Unexpected EOF in archive\ntar: ./a: Cannot utime: Operation not permitted\ntar: ./b: Cannot utime: Operation not permitted\ntar: Exiting with failure status due to previous errors';
      assert.deepEqual(streamFailure(at({ extract: 2 }), LIMIT, messages), {
        refuse: 'cannot read it as a tar archive (tar status 2): tar: ./a: Cannot utime: Operation not permitted; tar: ./b: Cannot utime: Operation not permitted; tar: Exiting with failure status due to previous errors',
      });
    });
    test('a read error among write errors makes the extraction unreadable', () => {
      assert.deepEqual(streamFailure(at({ extract: 2 }), LIMIT, `${TAR_FULL}\ntar: Unexpected EOF in archive`), {
        refuse: 'cannot read it as a tar archive (tar status 2): tar: "./d/b": Cannot write: No space left on device; tar: Exiting with failure status due to previous errors; tar: Unexpected EOF in archive',
      });
    });
    test('the refusal gives the extracting tar\'s own status', () => {
      assert.deepEqual(streamFailure(at({ extract: 1 }), LIMIT, 'tar: Unexpected EOF in archive'), {
        refuse: 'cannot read it as a tar archive (tar status 1): tar: Unexpected EOF in archive',
      });
    });

    // The cases that put tar before the copy: a corrupt compressed archive makes both the
    // decompressor and tar fail, and it is the archive's fault.
    test('a truncated gzip archive being extracted is refused as unreadable, not as a failed copy', () => {
      assert.deepEqual(streamFailure(at({ copy: 1, extract: 2 }), LIMIT, GZ_TRUNCATED), {
        refuse: 'cannot read it as a tar archive (tar status 2): tar: Unexpected EOF in archive; tar: Unexpected EOF in archive; tar: Error is not recoverable: exiting now',
      });
    });
    test('a truncated zstd archive being extracted is refused as unreadable', () => {
      assert.deepEqual(streamFailure(at({ copy: 1, extract: 2 }), LIMIT, ZSTD_TRUNCATED), {
        refuse: `cannot read it as a tar archive (tar status 2): ${joined(TRUNCATED)}`,
      });
    });
    test('a gzip archive with corrupt data being extracted is refused as unreadable', () => {
      assert.deepEqual(streamFailure(at({ copy: 1, extract: 2 }), LIMIT, GZ_CORRUPT), {
        refuse: `cannot read it as a tar archive (tar status 2): ${joined(TRUNCATED)}`,
      });
    });
    test('a truncated gzip archive being listed and stored is refused as unreadable', () => {
      // As printed when listing and storing it: one "Unexpected EOF" fewer than when extracting.
      const messages = 'zstd: /*stdin*\\: premature gz end \ntar: Unexpected EOF in archive\ntar: Error is not recoverable: exiting now';
      assert.deepEqual(streamFailure(at({ copy: 1, list: 2 }), LIMIT, messages), {
        refuse: 'cannot read it as a tar archive (tar status 2): zstd: /*stdin*\\: premature gz end; tar: Unexpected EOF in archive; tar: Error is not recoverable: exiting now',
      });
    });
    test('a failed listing comes before a copy tee could not store', () => {
      assert.deepEqual(streamFailure(at({ copy: 1, list: 2 }), LIMIT, TEE_FULL), { refuse: `cannot read it as a tar archive (tar status 2): ${TEE_FULL}` });
    });
    test('an unreadable extraction comes before a copy tee could not store', () => {
      assert.deepEqual(streamFailure(at({ copy: 1, extract: 2 }), LIMIT, `${TEE_FULL}\ntar: Unexpected EOF in archive`), {
        refuse: `cannot read it as a tar archive (tar status 2): ${TEE_FULL}; tar: Unexpected EOF in archive`,
      });
    });
    test('an unreadable archive comes before trailing data, whichever tar failed', () => {
      assert.deepEqual(streamFailure(at({ list: 2, after: 3 }), LIMIT, ''), { refuse: 'cannot read it as a tar archive (tar status 2)' });
      assert.deepEqual(streamFailure(at({ extract: 2, after: 3 }), LIMIT, 'tar: Skipping to next header'), {
        refuse: 'cannot read it as a tar archive (tar status 2): tar: Skipping to next header',
      });
    });
    test('a read error counts only with a failed tar: with both tars at 0, a failed copy is the decompressor\'s', () => {
      assert.deepEqual(streamFailure(at({ copy: 1 }), LIMIT, GZ_TRUNCATED), { refuse: `cannot decompress it (status 1): ${joined(TRUNCATED)}` });
    });
  });

  describe('4. a copy that could not be stored', () => {
    test('tee\'s error while storing (a full disk) is a failure here, with messages', () => {
      assert.deepEqual(streamFailure(at({ copy: 1 }), LIMIT, TEE_FULL), {
        fail: 'cannot store it decompressed (status 1): tee: /staging/layer.tar: No space left on device',
      });
    });
    test('the status given is the copy\'s', () => {
      assert.deepEqual(streamFailure(at({ copy: 2 }), LIMIT, TEE_FULL), { fail: `cannot store it decompressed (status 2): ${TEE_FULL}` });
    });
    test('tee\'s line counts on any line of the messages', () => {
      const messages = `zstd: /*stdin*\\: some warning\n${TEE_FULL}`;
      assert.deepEqual(streamFailure(at({ copy: 1 }), LIMIT, messages), {
        fail: `cannot store it decompressed (status 1): zstd: /*stdin*\\: some warning; ${TEE_FULL}`,
      });
    });
    test('"tee: " counts only at the start of a line', () => {
      const messages = 'xz: (stdin): tee: Compressed data is corrupt';
      assert.deepEqual(streamFailure(at({ copy: 1 }), LIMIT, messages), { refuse: `cannot decompress it (status 1): ${messages}` });
    });
    test('tee\'s error comes before a decompressor\'s error in the same messages', () => {
      assert.deepEqual(streamFailure(at({ copy: 1 }), LIMIT, `${XZ_CORRUPT}\n${TEE_FULL}`), {
        fail: `cannot store it decompressed (status 1): ${XZ_CORRUPT}; ${TEE_FULL}`,
      });
    });
    test('a store failure comes before the extractor\'s failure and trailing data', () => {
      assert.deepEqual(streamFailure(at({ copy: 1, extract: 2, after: 5 }), LIMIT, TEE_FULL), { fail: `cannot store it decompressed (status 1): ${TEE_FULL}` });
      assert.deepEqual(streamFailure(at({ copy: 1, after: 5 }), LIMIT, TEE_FULL), { fail: `cannot store it decompressed (status 1): ${TEE_FULL}` });
    });
  });

  describe('5. data the decompressor rejected', () => {
    test('a decompressor\'s error alone (corrupt xz data, tar satisfied) is refused, with messages', () => {
      assert.deepEqual(streamFailure(at({ copy: 1 }), LIMIT, XZ_CORRUPT), { refuse: `cannot decompress it (status 1): ${XZ_CORRUPT}` });
    });
    test('a failed copy without messages is refused without a colon', () => {
      assert.deepEqual(streamFailure(at({ copy: 1 }), LIMIT, ''), { refuse: 'cannot decompress it (status 1)' });
    });
    test('the decompressor comes before the extractor\'s own failure', () => {
      assert.deepEqual(streamFailure(at({ copy: 1, extract: 2 }), LIMIT, `${XZ_CORRUPT}\n${TAR_FULL}`), {
        refuse: `cannot decompress it (status 1): ${joined(TAR_FULL)}`,
      });
    });
    test('the decompressor comes before trailing data', () => {
      assert.deepEqual(streamFailure(at({ copy: 1, after: 5 }), LIMIT, XZ_CORRUPT), { refuse: `cannot decompress it (status 1): ${XZ_CORRUPT}` });
    });
  });

  describe('6. an extraction that failed here', () => {
    test('an extraction that failed on a full disk is a failure here, with messages', () => {
      assert.deepEqual(streamFailure(at({ extract: 2 }), LIMIT, TAR_FULL), { fail: `extraction failed (tar status 2): ${joined(TAR_FULL)}` });
    });
    test('"Cannot write: No space left on device" alone is a failure here', () => {
      assert.deepEqual(streamFailure(at({ extract: 2 }), LIMIT, 'tar: ./usr/lib/libc.so.6: Cannot write: No space left on device'), {
        fail: 'extraction failed (tar status 2): tar: ./usr/lib/libc.so.6: Cannot write: No space left on device',
      });
    });
    const local: ReadonlyArray<readonly [string, string]> = [
      ['a read-only file system', 'tar: ./etc: Cannot mkdir: Read-only file system\ntar: Exiting with failure status due to previous errors'],
      ['a missing target directory', NO_TREE],
      ['a member named like an archive that cannot be written', 'tar: "./backup/archive.tar": Cannot write: No space left on device'],
      ['an ownership that cannot be set', 'tar: ./etc/shadow: Cannot change ownership to uid 0, gid 42: Operation not permitted'],
    ];
    for (const [what, messages] of local) {
      test(`an extraction that failed on ${what} is a failure here`, () => {
        assert.deepEqual(streamFailure(at({ extract: 2 }), LIMIT, messages), { fail: `extraction failed (tar status 2): ${joined(messages)}` });
      });
    }
    test('an extraction that failed without messages has no colon', () => {
      assert.deepEqual(streamFailure(at({ extract: 2 }), LIMIT, ''), { fail: 'extraction failed (tar status 2)' });
    });
    // As run by hand: tar gave up on a missing target directory after its first record, and
    // the count found the rest of the archive (191091 non-zero bytes) unread.
    test('an extractor that stopped early for a local reason is a failure here, not trailing data', () => {
      assert.deepEqual(streamFailure(at({ extract: 2, after: 191091 }), LIMIT, NO_TREE), { fail: `extraction failed (tar status 2): ${joined(NO_TREE)}` });
    });
    test('the extractor\'s failure comes before even a single byte after the end', () => {
      assert.deepEqual(streamFailure(at({ extract: 2, after: 1 }), LIMIT, 'tar: ./x: Cannot write: No space left on device'), {
        fail: 'extraction failed (tar status 2): tar: ./x: Cannot write: No space left on device',
      });
    });
  });

  describe('7. data after the end of the archive', () => {
    test('data after the end of the archive is refused with its size in bytes', () => {
      assert.deepEqual(streamFailure(at({ after: 5 }), LIMIT, ''), { refuse: '5 bytes of data follow the end of the archive' });
    });
    test('a single byte after the end is one byte, in the singular', () => {
      assert.deepEqual(streamFailure(at({ after: 1 }), LIMIT, ''), { refuse: '1 byte of data follows the end of the archive' });
    });
    test('two bytes after the end are plural again', () => {
      assert.deepEqual(streamFailure(at({ after: 2 }), LIMIT, ''), { refuse: '2 bytes of data follow the end of the archive' });
    });
    test('a large count is written in full', () => {
      assert.deepEqual(streamFailure(at({ after: 2979071 }), LIMIT, ''), { refuse: '2979071 bytes of data follow the end of the archive' });
    });
    test('the trailing-data refusal carries no messages', () => {
      assert.deepEqual(streamFailure(at({ after: 5 }), LIMIT, 'tar: A lone zero block at 21'), { refuse: '5 bytes of data follow the end of the archive' });
    });
    test('read errors, tee\'s and climbing members in the messages do not matter when every status is 0', () => {
      assert.deepEqual(streamFailure(at({ after: 5 }), LIMIT, `${TRUNCATED}\n${TEE_FULL}\n${CLIMBED}`), { refuse: '5 bytes of data follow the end of the archive' });
    });
  });

  // Every outcome alone, then every pair of them together: the one earlier in the order wins,
  // whichever order their messages come in. The statuses of a pair are merged field by field,
  // the earlier outcome's wherever it is not 0.
  describe('the order, pair by pair', () => {
    const EOF = 'tar: Unexpected EOF in archive';
    const WRITE = 'tar: ./x: Cannot write: No space left on device';
    const CLIMB = "tar: \"../x\": Member name contains '..'";
    const outcomes: ReadonlyArray<{ name: string; s: Partial<StreamStatus>; messages: string; kind: 'refuse' | 'fail'; head: string; alone: string }> = [
      { name: 'the cap', s: { copy: 141 }, messages: '', kind: 'refuse', head: CAPPED, alone: CAPPED },
      { name: 'a climbing member', s: { extract: 2 }, messages: CLIMB, kind: 'refuse', head: 'member "../x" would', alone: 'member "../x" would be written outside the tree (".." in its name)' },
      { name: 'a failed listing', s: { list: 2 }, messages: '', kind: 'refuse', head: 'cannot read it as a tar archive (tar status 2)', alone: 'cannot read it as a tar archive (tar status 2)' },
      { name: 'an unreadable extraction', s: { extract: 2 }, messages: EOF, kind: 'refuse', head: 'cannot read it as a tar archive (tar status 2)', alone: `cannot read it as a tar archive (tar status 2): ${EOF}` },
      { name: 'a copy not stored', s: { copy: 1 }, messages: TEE_FULL, kind: 'fail', head: 'cannot store it decompressed (status 1)', alone: `cannot store it decompressed (status 1): ${TEE_FULL}` },
      { name: 'a decompressor\'s error', s: { copy: 1 }, messages: XZ_CORRUPT, kind: 'refuse', head: 'cannot decompress it (status 1)', alone: `cannot decompress it (status 1): ${XZ_CORRUPT}` },
      { name: 'a failed extraction', s: { extract: 2 }, messages: WRITE, kind: 'fail', head: 'extraction failed (tar status 2)', alone: `extraction failed (tar status 2): ${WRITE}` },
      { name: 'trailing data', s: { after: 5 }, messages: '', kind: 'refuse', head: '5 bytes of data follow the end of the archive', alone: '5 bytes of data follow the end of the archive' },
    ];
    const merge = (a: Partial<StreamStatus>, b: Partial<StreamStatus>): StreamStatus => {
      const x = at(a);
      const y = at(b);
      return { copy: x.copy || y.copy, list: x.list || y.list, extract: x.extract || y.extract, after: x.after || y.after };
    };
    const both = (a: string, b: string): string => [a, b].filter((m) => m !== '').join('\n');

    test('the heads tell the outcomes apart: none starts another\'s, except the two unreadable ones', () => {
      for (const a of outcomes) {
        for (const b of outcomes) {
          if (a === b || a.head === b.head) continue;
          assert.equal(b.head.startsWith(a.head), false, `${a.name} / ${b.name}`);
        }
      }
    });
    for (const o of outcomes) {
      test(`${o.name} alone is a ${o.kind === 'refuse' ? 'refusal' : 'failure'}: ${o.alone}`, () => {
        assert.deepEqual(streamFailure(at(o.s), LIMIT, o.messages), { [o.kind]: o.alone });
      });
    }
    outcomes.forEach((first, i) => {
      for (const later of outcomes.slice(i + 1)) {
        test(`${first.name} comes before ${later.name}`, () => {
          const s = merge(first.s, later.s);
          for (const messages of [both(first.messages, later.messages), both(later.messages, first.messages)]) {
            const r = streamFailure(s, LIMIT, messages);
            assert.ok(r, messages);
            assert.deepEqual(Object.keys(r), [first.kind], messages);
            const why = 'refuse' in r ? r.refuse : r.fail;
            assert.ok(why.startsWith(first.head), `${JSON.stringify(why)} starts with ${JSON.stringify(first.head)}`);
          }
        });
      }
    });
  });

  describe('the messages kept', () => {
    test('messages that are only blank lines count as none', () => {
      assert.deepEqual(streamFailure(at({ list: 2 }), LIMIT, '\n  \n\t\n'), { refuse: 'cannot read it as a tar archive (tar status 2)' });
      assert.deepEqual(streamFailure(at({ extract: 2 }), LIMIT, ' \r\n'), { fail: 'extraction failed (tar status 2)' });
      assert.deepEqual(streamFailure(at({ copy: 1 }), LIMIT, '\n\n'), { refuse: 'cannot decompress it (status 1)' });
    });
    test('only the last three non-empty message lines are kept, in order', () => {
      const messages = 'one\ntwo\n\nthree\n   \nfour\nfive\n\n';
      assert.deepEqual(streamFailure(at({ list: 2 }), LIMIT, messages), { refuse: 'cannot read it as a tar archive (tar status 2): three; four; five' });
    });
    test('fewer than three lines are all kept', () => {
      assert.deepEqual(streamFailure(at({ list: 1 }), LIMIT, 'only'), { refuse: 'cannot read it as a tar archive (tar status 1): only' });
    });
    test('each line is trimmed before the lines are joined', () => {
      assert.deepEqual(streamFailure(at({ copy: 1 }), LIMIT, '  one  \n\ttwo\t\nthree '), { refuse: 'cannot decompress it (status 1): one; two; three' });
    });
    test('carriage returns at the ends of lines are trimmed', () => {
      assert.deepEqual(streamFailure(at({ extract: 2 }), LIMIT, 'tar: a: Cannot write\r\ntar: b: Cannot write\r\n'), {
        fail: 'extraction failed (tar status 2): tar: a: Cannot write; tar: b: Cannot write',
      });
    });
    test('spaces inside a line are kept', () => {
      assert.deepEqual(streamFailure(at({ extract: 2 }), LIMIT, 'tar: "./two  spaces": Cannot write'), {
        fail: 'extraction failed (tar status 2): tar: "./two  spaces": Cannot write',
      });
    });
  });

  test('refusals and failures are told apart by their key alone', () => {
    const cases: ReadonlyArray<readonly [Partial<StreamStatus>, string, 'refuse' | 'fail']> = [
      [{ copy: 141 }, 'msg', 'refuse'],
      [{ list: 2 }, 'msg', 'refuse'],
      [{ copy: 1 }, 'msg', 'refuse'],
      [{ copy: 1 }, TEE_FULL, 'fail'],
      [{ copy: 1, extract: 2 }, GZ_TRUNCATED, 'refuse'],
      [{ after: 1 }, 'msg', 'refuse'],
      [{ extract: 2 }, 'tar: Unexpected EOF in archive', 'refuse'],
      [{ extract: 2 }, 'tar: ./x: Cannot write: No space left on device', 'fail'],
      [{ extract: 2, after: 3 }, NO_TREE, 'fail'],
      [{ extract: 2 }, 'tar: "../x": Member name contains \'..\'', 'refuse'],
    ];
    for (const [s, messages, kind] of cases) {
      const r = streamFailure(at(s), LIMIT, messages);
      assert.ok(r, JSON.stringify(s));
      assert.deepEqual(Object.keys(r), [kind], JSON.stringify(s));
    }
  });

  // stderr as the script printed it, whole, and what it means.
  const runs: ReadonlyArray<readonly [string, string, ReturnType<typeof streamFailure>]> = [
    ['a clean extraction', 'chos-stream copy=0 list=0 extract=0 after=0\n', undefined],
    ['a plain archive with five bytes appended', 'chos-stream copy=0 list=0 extract=0 after=5\n',
      { refuse: '5 bytes of data follow the end of the archive' }],
    ['a gzip archive with one byte appended, stored', 'chos-stream copy=0 list=0 extract=0 after=1\n',
      { refuse: '1 byte of data follows the end of the archive' }],
    ['a gzip archive cut by the cap while extracted', `${TRUNCATED}\nchos-stream copy=141 list=0 extract=2 after=0\n`,
      { refuse: CAPPED }],
    ['a plain archive cut by the cap while stored', 'tar: Unexpected EOF in archive\ntar: Error is not recoverable: exiting now\nchos-stream copy=141 list=2 extract=0 after=0\n',
      { refuse: CAPPED }],
    ['random bytes listed', `${NOT_TAR}\nchos-stream copy=0 list=2 extract=0 after=0\n`,
      { refuse: `cannot read it as a tar archive (tar status 2): ${joined(NOT_TAR)}` }],
    ['random bytes extracted', `${NOT_TAR}\nchos-stream copy=0 list=0 extract=2 after=0\n`,
      { refuse: `cannot read it as a tar archive (tar status 2): ${joined(NOT_TAR)}` }],
    ['a truncated plain archive extracted', `${TRUNCATED}\nchos-stream copy=0 list=0 extract=2 after=0\n`,
      { refuse: `cannot read it as a tar archive (tar status 2): ${joined(TRUNCATED)}` }],
    ['a truncated gzip archive extracted', `${GZ_TRUNCATED}\nchos-stream copy=1 list=0 extract=2 after=0\n`,
      { refuse: `cannot read it as a tar archive (tar status 2): ${joined(TRUNCATED)}` }],
    ['a truncated zstd archive extracted', `${ZSTD_TRUNCATED}\nchos-stream copy=1 list=0 extract=2 after=0\n`,
      { refuse: `cannot read it as a tar archive (tar status 2): ${joined(TRUNCATED)}` }],
    ['a gzip archive with corrupt data extracted', `${GZ_CORRUPT}\nchos-stream copy=1 list=0 extract=2 after=0\n`,
      { refuse: `cannot read it as a tar archive (tar status 2): ${joined(TRUNCATED)}` }],
    ['an xz archive with a corrupt end extracted', `${XZ_CORRUPT}\nchos-stream copy=1 list=0 extract=0 after=0\n`,
      { refuse: `cannot decompress it (status 1): ${XZ_CORRUPT}` }],
    ['a gzip archive stored on a full disk', `${TEE_FULL}\nchos-stream copy=1 list=0 extract=0 after=0\n`,
      { fail: `cannot store it decompressed (status 1): ${TEE_FULL}` }],
    ['an archive with climbing members extracted', `${CLIMBED}\nchos-stream copy=0 list=0 extract=2 after=0\n`,
      { refuse: ESC }],
    ['a gzip archive extracted on a full disk', `${TAR_FULL}\nchos-stream copy=0 list=0 extract=2 after=0\n`,
      { fail: `extraction failed (tar status 2): ${joined(TAR_FULL)}` }],
    ['a plain archive extracted into a missing directory', `${NO_TREE}\nchos-stream copy=0 list=0 extract=2 after=191091\n`,
      { fail: `extraction failed (tar status 2): ${joined(NO_TREE)}` }],
  ];
  for (const [what, stderr, expected] of runs) {
    test(`the status of ${what}, as parsed from the script's output, means ${expected ? Object.keys(expected)[0] : 'success'}`, () => {
      const parsed = parseStreamStatus(stderr);
      assert.ok(parsed);
      assert.deepEqual(streamFailure(parsed.status, LIMIT, parsed.rest), expected);
    });
  }
});

describe('RunningCaps', () => {
  const SMALL: Caps = { maxEntries: 3, maxBytes: 100, maxDepth: 8 };

  test('lines within the caps give no reason', () => {
    const caps = new RunningCaps(SMALL);
    assert.equal(caps.add(d('./')), undefined);
    assert.equal(caps.add(d('./etc/')), undefined);
    assert.equal(caps.add(f('./etc/passwd', 100)), undefined);
  });
  test('the entry after maxEntries gives the entries reason', () => {
    const caps = new RunningCaps(SMALL);
    for (const line of [d('./'), d('./a/'), d('./b/')]) assert.equal(caps.add(line), undefined);
    assert.equal(caps.add(d('./c/')), 'more than 3 entries');
  });
  test('once passed, the cap keeps giving its reason', () => {
    const caps = new RunningCaps({ ...SMALL, maxEntries: 1 });
    caps.add(d('./'));
    assert.equal(caps.add(d('./a/')), 'more than 1 entries');
    assert.equal(caps.add(d('./b/')), 'more than 1 entries');
  });
  test('content up to maxBytes is fine; one byte more gives the bytes reason', () => {
    const caps = new RunningCaps(SMALL);
    assert.equal(caps.add(f('a', 60)), undefined);
    assert.equal(caps.add(f('b', 40)), undefined);
    assert.equal(caps.add(f('c', 1)), 'more than 100 bytes of content');
  });
  test('a single file above maxBytes gives the bytes reason at once', () => {
    assert.equal(new RunningCaps(SMALL).add(f('big', 101)), 'more than 100 bytes of content');
  });
  test('a size beyond safe integers still passes the cap', () => {
    assert.equal(new RunningCaps(DEFAULT_CAPS).add(f('huge', 0).replace(/ 0 2024/, ' 99999999999999999999 2024')), `more than ${DEFAULT_CAPS.maxBytes} bytes of content`);
  });
  test('when one line passes both caps, the entries reason is given', () => {
    const caps = new RunningCaps({ maxEntries: 1, maxBytes: 10, maxDepth: 8 });
    assert.equal(caps.add(f('a', 5)), undefined);
    assert.equal(caps.add(f('b', 50)), 'more than 1 entries');
  });
  test('directories, symlinks, hard links and devices count as entries without bytes', () => {
    const caps = new RunningCaps({ maxEntries: 4, maxBytes: 0, maxDepth: 8 });
    assert.equal(caps.add(d('./')), undefined);
    assert.equal(caps.add(l('bin', 'usr/bin')), undefined);
    assert.equal(caps.add(h('./hard', './')), undefined);
    assert.equal(caps.add(c('./dev/null', '1,3')), undefined);
    assert.equal(caps.add(c('./dev/null2', '1,3')), 'more than 4 entries');
  });
  test('with a zero entry cap the first entry gives the reason', () => {
    assert.equal(new RunningCaps({ maxEntries: 0, maxBytes: 100, maxDepth: 8 }).add(d('./')), 'more than 0 entries');
  });
  test('empty lines are ignored and do not count', () => {
    const caps = new RunningCaps({ ...SMALL, maxEntries: 1 });
    for (let i = 0; i < 10; i++) assert.equal(caps.add(''), undefined);
    assert.equal(caps.add(d('./')), undefined);
    assert.equal(caps.add(''), undefined);
  });
  test('unreadable lines are ignored (vetListing reports them) and do not count', () => {
    const caps = new RunningCaps({ maxEntries: 1, maxBytes: 10, maxDepth: 8 });
    for (const junk of ['tar: Removing leading `/\' from member names', 'garbage', ' ', '-rw-r--r-- 0/0 1000 2024-01-01 00:00 unquoted']) {
      assert.equal(caps.add(junk), undefined, junk);
    }
    assert.equal(caps.add(f('a', 10)), undefined);
  });
  test('reads the example lines in both spacings', () => {
    const caps = new RunningCaps({ maxEntries: 10, maxBytes: 1233, maxDepth: 8 });
    assert.equal(caps.add('drwxr-xr-x 0/0 0 2024-01-01 00:00 "etc/"'), undefined);
    assert.equal(caps.add('lrwxrwxrwx 0/0 0 2024-01-01 00:00 "bin" -> "usr/bin"'), undefined);
    assert.equal(caps.add('-rw-r--r-- 0/0            1234 2024-01-01 00:00 "etc/passwd"'), 'more than 1233 bytes of content');
  });
  test('reads the extracting tar\'s lines with --xattrs: a marker after the mode, or two spaces', () => {
    // As printed by tar -xvv --xattrs for a file with a user.* attribute, next to members without.
    const caps = new RunningCaps({ maxEntries: 10, maxBytes: 4, maxDepth: 8 });
    assert.equal(caps.add('drwxr-xr-x  0/0               0 2026-11-26 04:48 "./"'), undefined);
    assert.equal(caps.add('lrwxrwxrwx  0/0               0 2026-11-26 04:48 "./b" -> "a"'), undefined);
    assert.equal(caps.add('-rw-r--r--* 0/0               4 2026-11-26 04:48 "./a"'), undefined);
    assert.equal(caps.add('-rw-r--r--+ 0/0               1 2026-11-26 04:48 "./c"'), 'more than 4 bytes of content');
  });
  test('tar -xvv\'s note of a directory it creates is no entry', () => {
    // As printed for a member "sub/dir/f" whose parents the archive lacks.
    const caps = new RunningCaps({ maxEntries: 1, maxBytes: 100, maxDepth: 8 });
    assert.equal(caps.add('-rw-r--r--  0/0               2 1970-01-01 00:00 "sub/dir/f"'), undefined);
    assert.equal(caps.add('drwxr-xr-x                  Creating directory: "sub"'), undefined);
    assert.equal(caps.add('drwxr-xr-x                  Creating directory: "sub/dir"'), undefined);
  });
  test('counts marked lines as entries', () => {
    const caps = new RunningCaps({ maxEntries: 2, maxBytes: 100, maxDepth: 8 });
    assert.equal(caps.add('-rw-r--r--* 0/0               1 2026-11-26 04:48 "./a"'), undefined);
    assert.equal(caps.add('drwxr-xr-x. 0/0               0 2026-11-26 04:48 "./d/"'), undefined);
    assert.equal(caps.add('-rw-r--r--  0/0               1 2026-11-26 04:48 "./b"'), 'more than 2 entries');
  });
  test('counters are per instance', () => {
    const a = new RunningCaps({ ...SMALL, maxEntries: 1 });
    const b = new RunningCaps({ ...SMALL, maxEntries: 1 });
    a.add(d('./'));
    assert.equal(a.add(d('./x/')), 'more than 1 entries');
    assert.equal(b.add(d('./')), undefined);
  });
  test('gives the same reason vetListing gives for the same lines', () => {
    const listings: ReadonlyArray<readonly [Caps, readonly string[]]> = [
      [SMALL, [d('./'), '', d('./a/'), 'junk', f('./a/f', 3), f('./a/g', 3)]],
      [SMALL, [d('./'), f('./a', 99), f('./b', 2)]],
      [{ maxEntries: 2, maxBytes: 10, maxDepth: 8 }, [f('./a', 5), f('./b', 5), f('./c', 50)]],
    ];
    for (const [caps, lines] of listings) {
      const running = new RunningCaps(caps);
      let first: string | undefined;
      for (const line of lines) first ??= running.add(line);
      assert.ok(first, 'a cap is passed');
      assert.ok(vetListing(lines, caps).includes(first), `${first} in ${JSON.stringify(vetListing(lines, caps))}`);
    }
  });
});
