// Unit tests for src/inspect/elf.ts: ELF header, PT_INTERP and GNU ABI tag reading. Pure, except one test that reads the host libc.
//
// The images are built in memory by the small builder below, which knows the ELF layout on its own
// (elf(5)) rather than borrowing the reader's tables, so the two check each other.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import {
  type ElfInfo,
  type KernelVersion,
  MAX_HEADERS,
  MAX_NOTES,
  compareKernel,
  elfRanges,
  isElfError,
  machineMatchesArch,
  parseKernelRelease,
  readElfInfo,
} from '../../../src/inspect/elf.js';

// ---------------------------------------------------------------------------------------------
// Fixture builder

const PT_NULL = 0;
const PT_LOAD = 1;
const PT_INTERP = 3;
const PT_NOTE = 4;
const SHT_PROGBITS = 1;
const SHT_NOTE = 7;
const SHT_NOBITS = 8;
const NT_GNU_ABI_TAG = 1;
const NT_GNU_BUILD_ID = 3;
const NT_GNU_PROPERTY_TYPE_0 = 5;
const ET_REL = 1;
const ET_EXEC = 2;
const ET_DYN = 3;

interface Part {
  type: number;
  data: Buffer;
  /** p_align / sh_addralign; the data is placed at a multiple of it. */
  align?: number;
}

interface Spec {
  cls: 32 | 64;
  le: boolean;
  machine: number;
  type?: number;
  segments?: Part[];
  /** Section headers after the null section 0; the table is written only when this is given. */
  sections?: Part[];
  /** e_phnum = PN_XNUM and the real count in section 0's sh_info. */
  phnumXnum?: boolean;
  /** e_shnum = 0 and the real count in section 0's sh_size. */
  shnumXnum?: boolean;
}

/** Writes integers in one byte order and class. */
class Out {
  constructor(
    readonly buf: Buffer,
    readonly le: boolean,
    readonly is64: boolean,
  ) {}
  u16(off: number, v: number): void {
    if (this.le) this.buf.writeUInt16LE(v, off);
    else this.buf.writeUInt16BE(v, off);
  }
  u32(off: number, v: number): void {
    if (this.le) this.buf.writeUInt32LE(v, off);
    else this.buf.writeUInt32BE(v, off);
  }
  word(off: number, v: number): void {
    if (!this.is64) return this.u32(off, v);
    const big = BigInt(v);
    if (this.le) this.buf.writeBigUInt64LE(big, off);
    else this.buf.writeBigUInt64BE(big, off);
  }
}

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

/** Lays out: ELF header, program headers, segment data, section data, section header table. */
function buildElf(spec: Spec): Buffer {
  const is64 = spec.cls === 64;
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const shentsize = is64 ? 64 : 40;
  const segs = spec.segments ?? [];
  const secs = spec.sections ?? [];

  let cursor = ehsize + segs.length * phentsize;
  const place = (p: Part): number => {
    const off = alignUp(cursor, Math.max(p.align ?? 1, 1));
    cursor = off + p.data.length;
    return off;
  };
  const segOffsets = segs.map(place);
  const secOffsets = secs.map(place);
  let shoff = 0;
  if (spec.sections) {
    shoff = alignUp(cursor, 8);
    cursor = shoff + (secs.length + 1) * shentsize;
  }

  const o = new Out(Buffer.alloc(cursor), spec.le, is64);
  const b = o.buf;
  b.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, spec.le ? 1 : 2, 1], 0);
  o.u16(16, spec.type ?? ET_DYN);
  o.u16(18, spec.machine);
  o.u32(20, 1);
  const [phoffAt, shoffAt, ehsizeAt] = is64 ? [32, 40, 52] : [28, 32, 40];
  o.word(phoffAt, segs.length > 0 ? ehsize : 0);
  o.word(shoffAt, shoff);
  o.u16(ehsizeAt, ehsize);
  o.u16(ehsizeAt + 2, phentsize);
  o.u16(ehsizeAt + 4, spec.phnumXnum ? 0xffff : segs.length);
  o.u16(ehsizeAt + 6, spec.sections ? shentsize : 0);
  o.u16(ehsizeAt + 8, spec.sections && !spec.shnumXnum ? secs.length + 1 : 0);

  segs.forEach((p, i) => {
    const ph = ehsize + i * phentsize;
    const off = segOffsets[i] ?? 0;
    p.data.copy(b, off);
    const align = p.align ?? 1;
    if (is64) {
      o.u32(ph, p.type);
      o.u32(ph + 4, 4); // PF_R
      o.word(ph + 8, off);
      o.word(ph + 16, off);
      o.word(ph + 24, off);
      o.word(ph + 32, p.data.length);
      o.word(ph + 40, p.data.length);
      o.word(ph + 48, align);
    } else {
      o.u32(ph, p.type);
      o.u32(ph + 4, off);
      o.u32(ph + 8, off);
      o.u32(ph + 12, off);
      o.u32(ph + 16, p.data.length);
      o.u32(ph + 20, p.data.length);
      o.u32(ph + 24, 4);
      o.u32(ph + 28, align);
    }
  });

  if (spec.sections) {
    // Section 0 is the null section; extended numbering keeps the real counts in it.
    const [sizeAt, infoAt] = is64 ? [32, 44] : [20, 28];
    if (spec.shnumXnum) o.word(shoff + sizeAt, secs.length + 1);
    if (spec.phnumXnum) o.u32(shoff + infoAt, segs.length);
    secs.forEach((p, i) => {
      const sh = shoff + (i + 1) * shentsize;
      const off = secOffsets[i] ?? 0;
      p.data.copy(b, off);
      o.u32(sh + 4, p.type);
      if (is64) {
        o.word(sh + 24, off);
        o.word(sh + 32, p.data.length);
        o.word(sh + 48, p.align ?? 1);
      } else {
        o.u32(sh + 16, off);
        o.u32(sh + 20, p.data.length);
        o.u32(sh + 32, p.align ?? 1);
      }
    });
  }
  return b;
}

/** One note: namesz, descsz, type, then the owner with its NUL and the descriptor, each padded to `align`. */
function note(le: boolean, align: 4 | 8, owner: string, type: number, desc: Buffer): Buffer {
  const namesz = owner === '' ? 0 : owner.length + 1;
  const descAt = alignUp(12 + namesz, align);
  const out = new Out(Buffer.alloc(alignUp(descAt + desc.length, align)), le, false);
  out.u32(0, namesz);
  out.u32(4, desc.length);
  out.u32(8, type);
  out.buf.write(owner, 12, 'latin1');
  desc.copy(out.buf, descAt);
  return out.buf;
}

/** The NT_GNU_ABI_TAG descriptor: os, then the oldest kernel's major, minor and patch. */
function abiDesc(le: boolean, os: number, [a, b, c]: KernelVersion): Buffer {
  const out = new Out(Buffer.alloc(16), le, false);
  [os, a, b, c].forEach((w, i) => out.u32(i * 4, w));
  return out.buf;
}

const abiTag = (le: boolean, align: 4 | 8, os: number, kernel: KernelVersion): Buffer =>
  note(le, align, 'GNU', NT_GNU_ABI_TAG, abiDesc(le, os, kernel));

const bytes = (n: number, fill = 0xab): Buffer => Buffer.alloc(n, fill);
const cstr = (s: string): Buffer => Buffer.from(`${s}\0`, 'latin1');
const seg = (type: number, data: Buffer, align = 4): Part => ({ type, data, align });

/** Overwrites an unsigned integer of `size` bytes at `off`. */
function patch(buf: Buffer, off: number, size: 1 | 2 | 4 | 8, value: number | bigint, le = true): Buffer {
  const b = Buffer.from(buf);
  if (size === 8) {
    if (le) b.writeBigUInt64LE(BigInt(value), off);
    else b.writeBigUInt64BE(BigInt(value), off);
  } else if (le) b.writeUIntLE(Number(value), off, size);
  else b.writeUIntBE(Number(value), off, size);
  return b;
}

function info(buf: Buffer): ElfInfo {
  const r = readElfInfo(buf);
  if (isElfError(r)) assert.fail(`expected ELF info, got error: ${r.error}`);
  return r;
}

// ---------------------------------------------------------------------------------------------
// Fixtures whose every byte lies in something the reader checks, so any truncation must fail.

interface Fixture {
  name: string;
  spec: Spec;
  expected: ElfInfo;
}

const LE = true;
const BE = false;

const FIXTURES: Fixture[] = [
  {
    name: 'a 64-bit little-endian x86_64 object laid out like glibc: 8-aligned property note, then build id and ABI tag',
    spec: {
      cls: 64,
      le: LE,
      machine: 62,
      segments: [
        seg(PT_INTERP, cstr('/lib64/ld-linux-x86-64.so.2'), 1),
        seg(PT_NOTE, note(LE, 8, 'GNU', NT_GNU_PROPERTY_TYPE_0, bytes(16)), 8),
        seg(PT_NOTE, Buffer.concat([note(LE, 4, 'GNU', NT_GNU_BUILD_ID, bytes(20)), abiTag(LE, 4, 0, [3, 2, 0])]), 4),
      ],
    },
    expected: {
      class: 64,
      littleEndian: true,
      machine: 62,
      machineName: 'x86_64',
      type: ET_DYN,
      interpreter: '/lib64/ld-linux-x86-64.so.2',
      abiTag: { os: 0, osName: 'Linux', kernel: [3, 2, 0] },
    },
  },
  {
    name: 'a 64-bit little-endian object whose ABI tag follows odd-sized notes in an 8-aligned PT_NOTE',
    spec: {
      cls: 64,
      le: LE,
      machine: 183,
      type: ET_EXEC,
      segments: [
        seg(
          PT_NOTE,
          Buffer.concat([
            // namesz 6 and descsz 3 and 20 land on different offsets with 4- and 8-byte padding.
            note(LE, 8, 'Linux', 0x100, bytes(3)),
            note(LE, 8, 'GNU', NT_GNU_BUILD_ID, bytes(20)),
            abiTag(LE, 8, 0, [4, 4, 0]),
          ]),
          8,
        ),
      ],
    },
    expected: {
      class: 64,
      littleEndian: true,
      machine: 183,
      machineName: 'aarch64',
      type: ET_EXEC,
      abiTag: { os: 0, osName: 'Linux', kernel: [4, 4, 0] },
    },
  },
  {
    name: 'a 32-bit big-endian ppc object whose ABI tag follows notes of other owners and types',
    spec: {
      cls: 32,
      le: BE,
      machine: 20,
      segments: [
        seg(PT_INTERP, cstr('/lib/ld.so.1'), 1),
        seg(
          PT_NOTE,
          Buffer.concat([
            note(BE, 4, 'FOO', NT_GNU_ABI_TAG, abiDesc(BE, 3, [9, 9, 9])),
            note(BE, 4, 'GNU', NT_GNU_BUILD_ID, abiDesc(BE, 2, [8, 8, 8])),
            abiTag(BE, 4, 0, [2, 6, 32]),
          ]),
        ),
      ],
    },
    expected: {
      class: 32,
      littleEndian: false,
      machine: 20,
      machineName: 'ppc',
      type: ET_DYN,
      interpreter: '/lib/ld.so.1',
      abiTag: { os: 0, osName: 'Linux', kernel: [2, 6, 32] },
    },
  },
  {
    name: 'a 32-bit little-endian i386 object keeps 4-byte note padding even in a PT_NOTE with p_align 8',
    spec: {
      cls: 32,
      le: LE,
      machine: 3,
      segments: [
        seg(PT_INTERP, cstr('/lib/ld-linux.so.2'), 1),
        seg(PT_NOTE, Buffer.concat([note(LE, 4, 'Linux', 0x100, bytes(3)), abiTag(LE, 4, 0, [3, 2, 0])]), 8),
      ],
    },
    expected: {
      class: 32,
      littleEndian: true,
      machine: 3,
      machineName: 'i386',
      type: ET_DYN,
      interpreter: '/lib/ld-linux.so.2',
      abiTag: { os: 0, osName: 'Linux', kernel: [3, 2, 0] },
    },
  },
  {
    name: 'a 64-bit big-endian s390x executable with a Hurd ABI tag and no interpreter',
    spec: { cls: 64, le: BE, machine: 22, type: ET_EXEC, segments: [seg(PT_NOTE, abiTag(BE, 4, 1, [0, 0, 5]))] },
    expected: {
      class: 64,
      littleEndian: false,
      machine: 22,
      machineName: 's390x',
      type: ET_EXEC,
      abiTag: { os: 1, osName: 'Hurd', kernel: [0, 0, 5] },
    },
  },
  {
    name: 'a relocatable object without program headers has its ABI tag read from an SHT_NOTE section',
    spec: {
      cls: 64,
      le: LE,
      machine: 243,
      type: ET_REL,
      sections: [
        { type: SHT_PROGBITS, data: bytes(7), align: 1 },
        { type: SHT_NOBITS, data: Buffer.alloc(0), align: 8 },
        { type: SHT_NOTE, data: Buffer.concat([note(LE, 8, 'Linux', 0x100, bytes(3)), abiTag(LE, 8, 0, [5, 4, 0])]), align: 8 },
      ],
    },
    expected: {
      class: 64,
      littleEndian: true,
      machine: 243,
      machineName: 'riscv64',
      type: ET_REL,
      abiTag: { os: 0, osName: 'Linux', kernel: [5, 4, 0] },
    },
  },
  {
    name: 'a 32-bit big-endian relocatable object with extended section numbering (e_shnum 0)',
    spec: {
      cls: 32,
      le: BE,
      machine: 22,
      type: ET_REL,
      shnumXnum: true,
      sections: [{ type: SHT_NOTE, data: abiTag(BE, 4, 2, [5, 10, 0]), align: 4 }],
    },
    expected: {
      class: 32,
      littleEndian: false,
      machine: 22,
      machineName: 's390',
      type: ET_REL,
      abiTag: { os: 2, osName: 'Solaris', kernel: [5, 10, 0] },
    },
  },
  {
    name: 'an object with e_phnum PN_XNUM takes its program header count from section 0',
    spec: {
      cls: 64,
      le: LE,
      machine: 21,
      phnumXnum: true,
      segments: [seg(PT_INTERP, cstr('/lib64/ld64.so.2'), 1), seg(PT_NOTE, abiTag(LE, 4, 3, [12, 0, 0]))],
      sections: [],
    },
    expected: {
      class: 64,
      littleEndian: true,
      machine: 21,
      machineName: 'ppc64le',
      type: ET_DYN,
      interpreter: '/lib64/ld64.so.2',
      abiTag: { os: 3, osName: 'FreeBSD', kernel: [12, 0, 0] },
    },
  },
  {
    name: 'a bare 64-bit header has neither interpreter nor ABI tag',
    spec: { cls: 64, le: LE, machine: 62 },
    expected: { class: 64, littleEndian: true, machine: 62, machineName: 'x86_64', type: ET_DYN },
  },
];

describe('readElfInfo: well-formed images', () => {
  for (const f of FIXTURES) {
    test(f.name, () => {
      assert.deepEqual(readElfInfo(buildElf(f.spec)), f.expected);
    });
  }

  test('an ABI tag with an unknown OS is named by its number', () => {
    const buf = buildElf({ cls: 64, le: LE, machine: 62, segments: [seg(PT_NOTE, abiTag(LE, 4, 7, [1, 2, 3]))] });
    assert.deepEqual(info(buf).abiTag, { os: 7, osName: 'os 7', kernel: [1, 2, 3] });
  });

  test('the first of two ABI tags wins, across segments', () => {
    const buf = buildElf({
      cls: 64,
      le: LE,
      machine: 62,
      segments: [seg(PT_NOTE, abiTag(LE, 4, 0, [3, 2, 0])), seg(PT_NOTE, abiTag(LE, 4, 0, [6, 0, 0]))],
    });
    assert.deepEqual(info(buf).abiTag?.kernel, [3, 2, 0]);
  });

  test('the first PT_INTERP wins and its contents stop at the first NUL', () => {
    const buf = buildElf({
      cls: 64,
      le: LE,
      machine: 62,
      segments: [seg(PT_INTERP, Buffer.from('/lib/ld.so\0junk\0'), 1), seg(PT_INTERP, cstr('/other'), 1)],
    });
    assert.equal(info(buf).interpreter, '/lib/ld.so');
  });

  test('a PT_INTERP without a NUL is taken whole', () => {
    const buf = buildElf({ cls: 32, le: LE, machine: 3, segments: [seg(PT_INTERP, Buffer.from('/lib/ld.so'), 1)] });
    assert.equal(info(buf).interpreter, '/lib/ld.so');
  });

  test('fewer than 12 bytes after the last note are padding, not a truncated note', () => {
    const buf = buildElf({
      cls: 64,
      le: LE,
      machine: 62,
      segments: [seg(PT_NOTE, Buffer.concat([note(LE, 4, 'GNU', NT_GNU_BUILD_ID, bytes(20)), bytes(11, 0)]))],
    });
    assert.equal(info(buf).abiTag, undefined);
  });

  test('an ABI tag whose descriptor is padded past the end of its segment is still read', () => {
    // A descriptor of 17 bytes ends unaligned; the segment stops right after it.
    const desc = Buffer.concat([abiDesc(LE, 0, [4, 19, 0]), bytes(1)]);
    const n = note(LE, 4, 'GNU', NT_GNU_ABI_TAG, desc).subarray(0, 12 + 4 + 17);
    const buf = buildElf({ cls: 64, le: LE, machine: 62, segments: [seg(PT_NOTE, n)] });
    assert.deepEqual(info(buf).abiTag?.kernel, [4, 19, 0]);
  });

  test('program headers other than PT_INTERP and PT_NOTE are not followed', () => {
    const buf = buildElf({ cls: 64, le: LE, machine: 62, segments: [seg(PT_LOAD, bytes(8))] });
    const bogus = patch(buf, 64 + 32, 8, 2n ** 40n); // p_filesz of the PT_LOAD far past the end
    assert.deepEqual(readElfInfo(bogus), { class: 64, littleEndian: true, machine: 62, machineName: 'x86_64', type: ET_DYN });
  });

  test('with program headers present, SHT_NOTE sections are not searched', () => {
    const buf = buildElf({
      cls: 64,
      le: LE,
      machine: 62,
      segments: [seg(PT_INTERP, cstr('/lib/ld.so'), 1)],
      sections: [{ type: SHT_NOTE, data: abiTag(LE, 4, 0, [3, 2, 0]), align: 4 }],
    });
    assert.equal(info(buf).abiTag, undefined);
  });
});

describe('readElfInfo: limits on hostile input', () => {
  const withInterpAt = (index: number, count: number): Buffer =>
    buildElf({
      cls: 64,
      le: LE,
      machine: 62,
      segments: Array.from({ length: count }, (_, i) => (i === index ? seg(PT_INTERP, cstr('/x'), 1) : seg(PT_NULL, Buffer.alloc(0), 1))),
    });

  test(`program header ${MAX_HEADERS - 1}, the last examined, is read`, () => {
    assert.equal(info(withInterpAt(MAX_HEADERS - 1, MAX_HEADERS + 100)).interpreter, '/x');
  });

  test(`program header ${MAX_HEADERS} and later are not examined`, () => {
    assert.equal(info(withInterpAt(MAX_HEADERS, MAX_HEADERS + 100)).interpreter, undefined);
  });

  const emptyNotes = (n: number): Buffer => Buffer.concat(Array.from({ length: n }, () => note(LE, 4, '', 0, Buffer.alloc(0))));

  test(`an ABI tag that is note ${MAX_NOTES} is found`, () => {
    const buf = buildElf({
      cls: 64,
      le: LE,
      machine: 62,
      segments: [seg(PT_NOTE, Buffer.concat([emptyNotes(MAX_NOTES - 1), abiTag(LE, 4, 0, [3, 2, 0])]))],
    });
    assert.deepEqual(info(buf).abiTag?.kernel, [3, 2, 0]);
  });

  test(`notes after the first ${MAX_NOTES} are not examined, even in other segments`, () => {
    const buf = buildElf({
      cls: 64,
      le: LE,
      machine: 62,
      segments: [seg(PT_NOTE, emptyNotes(MAX_NOTES)), seg(PT_NOTE, abiTag(LE, 4, 0, [3, 2, 0]))],
    });
    assert.equal(info(buf).abiTag, undefined);
  });
});

describe('readElfInfo: errors', () => {
  const x64 = buildElf({ cls: 64, le: LE, machine: 62, segments: [seg(PT_INTERP, cstr('/lib/ld.so'), 1)] });
  const notes64 = (data: Buffer): Buffer => buildElf({ cls: 64, le: LE, machine: 62, segments: [seg(PT_NOTE, data)] });
  const elfIdent = (cls: number, data: number, version: number): Buffer =>
    Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, cls, data, version]), Buffer.alloc(57)]);

  const cases: ReadonlyArray<readonly [string, Buffer, string]> = [
    ['an empty buffer is a truncated header', Buffer.alloc(0), 'truncated ELF header: expected at least 16 bytes, found 0'],
    ['a script is not an ELF file', Buffer.from('#!/bin/sh\n'), 'not an ELF file: expected magic 7f 45 4c 46, found 23 21 2f 62'],
    ['a two-byte PE stub is not an ELF file', Buffer.from('MZ'), 'not an ELF file: expected magic 7f 45 4c 46, found 4d 5a'],
    ['the magic alone is a truncated header', Buffer.from([0x7f, 0x45, 0x4c, 0x46]), 'truncated ELF header: expected at least 16 bytes, found 4'],
    ['an unknown class is refused', elfIdent(3, 1, 1), 'unsupported ELF class: expected 1 (32-bit) or 2 (64-bit), found 3'],
    ['an unknown byte order is refused', elfIdent(2, 0, 1), 'unsupported ELF data encoding: expected 1 (little-endian) or 2 (big-endian), found 0'],
    ['an unknown ELF version is refused', elfIdent(2, 1, 2), 'unsupported ELF version: expected 1, found 2'],
    ['a 64-bit header cut at 32 bytes is truncated', x64.subarray(0, 32), 'truncated ELF header: expected at least 64 bytes for ELFCLASS64, found 32'],
    ['a 32-bit header cut at 51 bytes is truncated', elfIdent(1, 2, 1).subarray(0, 51), 'truncated ELF header: expected at least 52 bytes for ELFCLASS32, found 51'],
    [
      'program headers smaller than Elf64_Phdr are refused',
      patch(x64, 54, 2, 16),
      'bad program header table entry size: expected at least 56 bytes, found 16',
    ],
    [
      'a program header table past the end is truncated',
      patch(x64, 32, 8, 0xffff_ffff_0000_0000n),
      'truncated program header table (1 entries): expected 56 bytes at offset 0xffffffff00000000, found 0',
    ],
    [
      'a PT_INTERP past the end is truncated',
      patch(x64, 64 + 32, 8, 4096),
      'truncated PT_INTERP segment (program header 0): expected 4096 bytes at offset 0x78, found 11',
    ],
    [
      'a PT_NOTE past the end is truncated',
      patch(notes64(abiTag(LE, 4, 0, [3, 2, 0])), 64 + 8, 8, 0x1000),
      'truncated PT_NOTE segment (program header 0): expected 32 bytes at offset 0x1000, found 0',
    ],
    [
      'a note whose descriptor runs past its segment is truncated',
      notes64(patch(note(LE, 4, 'GNU', NT_GNU_BUILD_ID, bytes(20)), 4, 4, 21)),
      'truncated note in PT_NOTE segment (program header 0): expected 37 bytes at offset 0x78, found 36',
    ],
    [
      'a note with a huge name size is truncated',
      notes64(patch(note(LE, 4, 'GNU', NT_GNU_BUILD_ID, bytes(20)), 0, 4, 0xffff_ffff)),
      'truncated note in PT_NOTE segment (program header 0): expected 4294967328 bytes at offset 0x78, found 36',
    ],
    [
      'a GNU ABI tag with a short descriptor is refused',
      notes64(note(LE, 4, 'GNU', NT_GNU_ABI_TAG, bytes(8))),
      'bad GNU ABI tag in PT_NOTE segment (program header 0): expected a descriptor of at least 16 bytes, found 8',
    ],
    [
      'e_phnum PN_XNUM without section headers is refused',
      patch(x64, 56, 2, 0xffff),
      'bad ELF header: e_phnum is PN_XNUM (0xffff), but there is no section header table',
    ],
    [
      'a truncated SHT_NOTE section is refused',
      patch(
        buildElf({ cls: 32, le: BE, machine: 20, type: ET_REL, sections: [{ type: SHT_NOTE, data: abiTag(BE, 4, 0, [3, 2, 0]), align: 4 }] }),
        // sh_size of section 1: section header table at 0x58 (52 + 32 bytes of note, aligned to 8).
        0x58 + 40 + 20,
        4,
        0x10000,
        BE,
      ),
      'truncated SHT_NOTE section (section header 1): expected 65536 bytes at offset 0x34, found 116',
    ],
  ];
  for (const [name, buf, error] of cases) {
    test(name, () => {
      assert.deepEqual(readElfInfo(buf), { error });
    });
  }

  test('every truncation of every well-formed image is an error that says "truncated", and none throws', () => {
    let cuts = 0;
    for (const f of FIXTURES) {
      const full = buildElf(f.spec);
      for (let len = 0; len < full.length; len++) {
        const r = readElfInfo(full.subarray(0, len));
        assert.ok(isElfError(r), `${f.name}, cut at ${len}: expected an error`);
        assert.match(r.error, /^truncated /, `${f.name}, cut at ${len}`);
        cuts++;
      }
    }
    assert.ok(cuts > 1000);
  });

  test('randomly corrupted images never make the reader throw', () => {
    // A fixed-seed xorshift generator keeps the test repeatable.
    let seed = 0x2545f491;
    const rand = (n: number): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    for (const f of FIXTURES) {
      const full = buildElf(f.spec);
      for (let round = 0; round < 500; round++) {
        const b = Buffer.from(full);
        for (let k = 1 + rand(8); k > 0; k--) b[4 + rand(b.length - 4)] = rand(256);
        const r = readElfInfo(b.subarray(0, b.length - rand(3)));
        assert.ok(isElfError(r) ? typeof r.error === 'string' : r.class === 32 || r.class === 64);
      }
    }
  });
});

describe('readElfInfo: machine names', () => {
  const cases: ReadonlyArray<readonly [number, 32 | 64, boolean, string]> = [
    [62, 64, LE, 'x86_64'],
    [62, 32, LE, 'x32'],
    [183, 64, LE, 'aarch64'],
    [183, 64, BE, 'aarch64_be'],
    [3, 32, LE, 'i386'],
    [40, 32, LE, 'arm'],
    [243, 64, LE, 'riscv64'],
    [243, 32, LE, 'riscv32'],
    [21, 64, LE, 'ppc64le'],
    [21, 64, BE, 'ppc64'],
    [22, 64, BE, 's390x'],
    [8, 32, LE, 'mipsel'],
    [258, 64, LE, 'loongarch64'],
    [0x1234, 64, LE, 'machine 4660'],
  ];
  for (const [machine, cls, le, name] of cases) {
    test(`e_machine ${machine} in a ${cls}-bit ${le ? 'little' : 'big'}-endian object is ${name}`, () => {
      assert.equal(info(buildElf({ cls, le, machine })).machineName, name);
    });
  }
});

describe('machineMatchesArch', () => {
  const cases: ReadonlyArray<readonly [number, string, boolean]> = [
    [62, 'x64', true],
    [183, 'arm64', true],
    [3, 'ia32', true],
    [40, 'arm', true],
    [243, 'riscv64', true],
    [21, 'ppc64', true],
    [22, 's390x', true],
    [62, 'ia32', false],
    [3, 'x64', false],
    [40, 'arm64', false],
    [62, 'constructor', false],
    [62, '__proto__', false],
    [62, '', false],
  ];
  for (const [machine, arch, expected] of cases) {
    test(`e_machine ${machine} ${expected ? 'matches' : 'does not match'} process.arch "${arch}"`, () => {
      assert.equal(machineMatchesArch(machine, arch), expected);
    });
  }
});

describe('compareKernel', () => {
  const cases: ReadonlyArray<readonly [KernelVersion, KernelVersion, number]> = [
    [[3, 2, 0], [3, 2, 0], 0],
    [[3, 2, 0], [6, 1, 0], -1],
    [[6, 1, 0], [3, 2, 0], 1],
    [[6, 18, 44], [6, 2, 0], 1],
    [[5, 10, 0], [5, 10, 1], -1],
    [[4, 19, 255], [5, 0, 0], -1],
  ];
  for (const [a, b, expected] of cases) {
    test(`${a.join('.')} compared with ${b.join('.')} is ${expected}`, () => {
      assert.equal(compareKernel(a, b), expected);
    });
  }

  test('sorts kernel versions numerically, not as strings', () => {
    const versions: KernelVersion[] = [[6, 18, 44], [2, 6, 32], [6, 2, 0], [3, 10, 0], [6, 1, 0]];
    assert.deepEqual(versions.sort(compareKernel), [[2, 6, 32], [3, 10, 0], [6, 1, 0], [6, 2, 0], [6, 18, 44]]);
  });
});

describe('parseKernelRelease', () => {
  const cases: ReadonlyArray<readonly [string, KernelVersion | undefined]> = [
    ['6.1.0-13-amd64', [6, 1, 0]],
    ['6.18.44-fc-v595', [6, 18, 44]],
    ['5.10', [5, 10, 0]],
    ['4.18.0-553.el8_10.x86_64', [4, 18, 0]],
    ['5.15.153.1-microsoft-standard-WSL2', [5, 15, 153]],
    ['6.8-rc1', [6, 8, 0]],
    ['3.10.0\n', [3, 10, 0]],
    ['', undefined],
    ['linux', undefined],
    ['6', undefined],
    ['v6.1.0', undefined],
    [' 6.1.0', undefined],
    ['99999999999999999999.1.0', undefined],
  ];
  for (const [release, expected] of cases) {
    test(`${JSON.stringify(release)} is ${expected ? expected.join('.') : 'not a kernel release'}`, () => {
      assert.deepEqual(parseKernelRelease(release), expected);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// The one test that reads the file system.

/** Where the host's glibc usually is: the multiarch directory of process.arch, then the classic ones. */
function hostLibc(): string | undefined {
  const triplet: Record<string, string> = {
    x64: 'x86_64-linux-gnu',
    arm64: 'aarch64-linux-gnu',
    ia32: 'i386-linux-gnu',
    arm: 'arm-linux-gnueabihf',
    riscv64: 'riscv64-linux-gnu',
    ppc64: 'powerpc64le-linux-gnu',
    s390x: 's390x-linux-gnu',
  };
  const dir = Object.hasOwn(triplet, process.arch) ? triplet[process.arch] : undefined;
  const candidates = [
    ...(dir ? [`/lib/${dir}/libc.so.6`, `/usr/lib/${dir}/libc.so.6`] : []),
    '/lib64/libc.so.6',
    '/usr/lib64/libc.so.6',
    '/lib/libc.so.6',
    '/usr/lib/libc.so.6',
  ];
  return candidates.find((p) => fs.existsSync(p));
}

test("the host's glibc carries a Linux ABI tag and matches process.arch", () => {
  // chos is tested on Debian (glibc): a host without libc.so.6 where Debian puts it is a failure.
  const path = hostLibc() ?? assert.fail('no glibc libc.so.6 on this host (the tests run on Debian, which has one)');
  const r = info(fs.readFileSync(path));
  assert.ok(r.abiTag, `${path} has no NT_GNU_ABI_TAG note`);
  assert.equal(r.abiTag.osName, 'Linux');
  assert.ok(r.abiTag.kernel[0] >= 2, `kernel ${r.abiTag.kernel.join('.')} in ${path}`);
  assert.ok(machineMatchesArch(r.machine, process.arch), `${path} is ${r.machineName}, process.arch is ${process.arch}`);
});

test("elfRanges names the parts readElfInfo reads: with only them read, the host's glibc gives the same answer", (t) => {
  const path = hostLibc();
  if (path === undefined) {
    t.skip('no glibc libc.so.6 on this host (musl or an unusual layout)');
    return;
  }
  const whole = fs.readFileSync(path);
  const ranges = elfRanges(whole.subarray(0, 4096));
  assert.ok(Array.isArray(ranges), 'the program header table lies in the first 4 KiB');
  const end = Math.max(...ranges.map((r) => r.offset + r.size));
  const sparse = Buffer.alloc(end);
  for (const r of ranges) whole.copy(sparse, r.offset, r.offset, r.offset + r.size);
  assert.ok(ranges.reduce((n, r) => n + r.size, 0) < 16384, 'a few KiB, not the library');
  assert.deepEqual(readElfInfo(sparse), readElfInfo(whole));
});

test('elfRanges: not ELF, or no program headers, is undefined; a table beyond the head asks for it', () => {
  assert.equal(elfRanges(Buffer.from('#!/bin/sh\n')), undefined);
  const buf = buildElf({ cls: 64, le: true, machine: 62, segments: [seg(PT_NOTE, abiTag(true, 4, 7, [1, 2, 3]))] });
  const all = elfRanges(buf);
  assert.ok(Array.isArray(all));
  assert.equal(all.length, 3);
  const head = buf.subarray(0, 64);
  const more = elfRanges(head);
  assert.ok(more !== undefined && !Array.isArray(more) && 'needMore' in more);
  const tab = buf.subarray(more.needMore.offset, more.needMore.offset + more.needMore.size);
  assert.deepEqual(elfRanges(head, tab), all);
});
