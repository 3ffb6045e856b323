// Reads an ELF image's class, byte order, machine, PT_INTERP and GNU ABI tag from a Buffer. Pure: no I/O.
//
// Why: glibc stops with "FATAL: kernel too old" when the running kernel is older than the version in
// its NT_GNU_ABI_TAG note, and a libc built for another machine cannot run at all; reading both from
// a tree's libc lets `chos` say so before launching anything.
//
// References: elf(5); System V gABI, chapters 4 (header, sections) and 5 (program headers, notes);
// LSB Core, "ABI note tag" (.note.ABI-tag); binutils readelf.c for note alignment.
// The buffer may come from any file a user points at: every read is bounds-checked first, nothing
// throws, and at most MAX_HEADERS program or section headers and MAX_NOTES notes are examined.

/** [major, minor, patch], as in uname -r or an ABI tag. */
export type KernelVersion = [number, number, number];

export interface ElfAbiTag {
  /** ELF_NOTE_OS_*: 0 Linux, 1 GNU (Hurd), 2 Solaris, 3 FreeBSD. */
  os: number;
  osName: 'Linux' | 'Hurd' | 'Solaris' | 'FreeBSD' | (string & {});
  /** The oldest kernel the object supports. */
  kernel: KernelVersion;
}

export interface ElfInfo {
  class: 32 | 64;
  littleEndian: boolean;
  /** e_machine (EM_*). */
  machine: number;
  machineName: string;
  /** e_type (ET_REL 1, ET_EXEC 2, ET_DYN 3, ET_CORE 4). */
  type: number;
  /** PT_INTERP up to its first NUL, from the first PT_INTERP segment. */
  interpreter?: string;
  /** The first NT_GNU_ABI_TAG note, if any. */
  abiTag?: ElfAbiTag;
}

export interface ElfError {
  error: string;
}

/** At most this many program headers (or, without them, section headers) are examined. */
export const MAX_HEADERS = 4096;
/** At most this many notes are examined in all, so overlapping note segments cannot make us loop. */
export const MAX_NOTES = 4096;

const EI_NIDENT = 16;
const ELFCLASS32 = 1;
const ELFCLASS64 = 2;
const ELFDATA2LSB = 1;
const ELFDATA2MSB = 2;
const EV_CURRENT = 1;
const PT_INTERP = 3;
const PT_NOTE = 4;
const SHT_NOTE = 7;
/** e_phnum value meaning "the real count is in sh_info of section header 0" (gABI, extended numbering). */
const PN_XNUM = 0xffff;
const NT_GNU_ABI_TAG = 1;
const NOTE_HEADER = 12;
const ABI_TAG_DESC = 16;

/** Field offsets of the ELF header, a program header and a section header, per class (elf(5)). */
interface Layout {
  ehsize: number;
  e: { type: number; machine: number; phoff: number; shoff: number; phentsize: number; phnum: number; shentsize: number; shnum: number };
  ph: { entsize: number; type: number; offset: number; filesz: number; align: number };
  sh: { entsize: number; type: number; offset: number; size: number; info: number; addralign: number };
}

const LAYOUT64: Layout = {
  ehsize: 64,
  e: { type: 16, machine: 18, phoff: 32, shoff: 40, phentsize: 54, phnum: 56, shentsize: 58, shnum: 60 },
  ph: { entsize: 56, type: 0, offset: 8, filesz: 32, align: 48 },
  sh: { entsize: 64, type: 4, offset: 24, size: 32, info: 44, addralign: 48 },
};

const LAYOUT32: Layout = {
  ehsize: 52,
  e: { type: 16, machine: 18, phoff: 28, shoff: 32, phentsize: 42, phnum: 44, shentsize: 46, shnum: 48 },
  ph: { entsize: 32, type: 0, offset: 4, filesz: 16, align: 28 },
  sh: { entsize: 40, type: 4, offset: 16, size: 20, info: 28, addralign: 32 },
};

/** Reads of one image in its own byte order and class. Callers check `fits` before reading. */
class View {
  constructor(
    readonly buf: Buffer,
    readonly le: boolean,
    readonly is64: boolean,
  ) {}

  fits(off: number, len: number): boolean {
    return off >= 0 && len >= 0 && off <= this.buf.length && len <= this.buf.length - off;
  }

  u16(off: number): number {
    return this.le ? this.buf.readUInt16LE(off) : this.buf.readUInt16BE(off);
  }

  u32(off: number): number {
    return this.le ? this.buf.readUInt32LE(off) : this.buf.readUInt32BE(off);
  }

  /** An address or offset. Above 2^53 the value is inexact, which only ever fails a bounds check. */
  word(off: number): number {
    if (!this.is64) return this.u32(off);
    const lo = this.le ? this.u32(off) : this.u32(off + 4);
    const hi = this.le ? this.u32(off + 4) : this.u32(off);
    return hi * 0x1_0000_0000 + lo;
  }
}

/** A file range holding notes, and what to call it in messages. */
interface NoteRegion {
  what: string;
  offset: number;
  size: number;
  align: 4 | 8;
}

const hex = (n: number): string => `0x${n.toString(16)}`;

function truncated(what: string, off: number, size: number, len: number): ElfError {
  const found = off >= len ? 0 : len - off;
  return { error: `truncated ${what}: expected ${size} bytes at offset ${hex(off)}, found ${found}` };
}

/** Tells an error result of readElfInfo from an ElfInfo. */
export const isElfError = (x: unknown): x is ElfError => typeof x === 'object' && x !== null && 'error' in x;

/** Reads class, machine, type, PT_INTERP and the GNU ABI tag of the ELF image in `buf`. */
export function readElfInfo(buf: Buffer): ElfInfo | ElfError {
  const magic = [0x7f, 0x45, 0x4c, 0x46];
  const prefix = [...buf.subarray(0, 4)];
  if (prefix.some((b, i) => b !== magic[i])) {
    const found = prefix.map((b) => b.toString(16).padStart(2, '0')).join(' ');
    return { error: `not an ELF file: expected magic 7f 45 4c 46, found ${found}` };
  }
  if (buf.length < EI_NIDENT) {
    return { error: `truncated ELF header: expected at least ${EI_NIDENT} bytes, found ${buf.length}` };
  }
  const cls = buf[4] ?? 0;
  if (cls !== ELFCLASS32 && cls !== ELFCLASS64) {
    return { error: `unsupported ELF class: expected 1 (32-bit) or 2 (64-bit), found ${cls}` };
  }
  const data = buf[5] ?? 0;
  if (data !== ELFDATA2LSB && data !== ELFDATA2MSB) {
    return { error: `unsupported ELF data encoding: expected 1 (little-endian) or 2 (big-endian), found ${data}` };
  }
  const version = buf[6] ?? 0;
  if (version !== EV_CURRENT) {
    return { error: `unsupported ELF version: expected 1, found ${version}` };
  }
  const is64 = cls === ELFCLASS64;
  const L = is64 ? LAYOUT64 : LAYOUT32;
  if (buf.length < L.ehsize) {
    return { error: `truncated ELF header: expected at least ${L.ehsize} bytes for ELFCLASS${is64 ? 64 : 32}, found ${buf.length}` };
  }
  const v = new View(buf, data === ELFDATA2LSB, is64);
  const machine = v.u16(L.e.machine);
  const info: ElfInfo = {
    class: is64 ? 64 : 32,
    littleEndian: v.le,
    machine,
    machineName: machineName(machine, is64, v.le),
    type: v.u16(L.e.type),
  };

  const regions: NoteRegion[] = [];
  const phnum = programHeaderCount(v, L);
  if (isElfError(phnum)) return phnum;
  if (phnum > 0) {
    const r = scanProgramHeaders(v, L, phnum, info, regions);
    if (r) return r;
  } else {
    // Without program headers (relocatable objects), the notes are only reachable as sections.
    const r = scanSectionHeaders(v, L, regions);
    if (r) return r;
  }

  const budget = { notes: MAX_NOTES };
  for (const region of regions) {
    const tag = findAbiTag(v, region, budget);
    if (isElfError(tag)) return tag;
    if (tag) {
      info.abiTag = tag;
      break;
    }
  }
  return info;
}

/** Section header 0's sh_size and sh_info, which hold counts too large for the ELF header. */
function sectionZero(v: View, L: Layout, why: string): { size: number; info: number } | ElfError {
  const shoff = v.word(L.e.shoff);
  const shentsize = v.u16(L.e.shentsize);
  if (shoff === 0) return { error: `bad ELF header: ${why}, but there is no section header table` };
  if (shentsize < L.sh.entsize) {
    return { error: `bad section header table entry size: expected at least ${L.sh.entsize} bytes, found ${shentsize}` };
  }
  if (!v.fits(shoff, L.sh.entsize)) return truncated('section header 0', shoff, L.sh.entsize, v.buf.length);
  return { size: v.word(shoff + L.sh.size), info: v.u32(shoff + L.sh.info) };
}

function programHeaderCount(v: View, L: Layout): number | ElfError {
  const phnum = v.u16(L.e.phnum);
  if (phnum !== PN_XNUM) return phnum;
  const s0 = sectionZero(v, L, 'e_phnum is PN_XNUM (0xffff)');
  return isElfError(s0) ? s0 : s0.info;
}

/** Checks and reads the header table at `off`; returns how many entries to examine. */
function headerTable(
  v: View,
  what: string,
  off: number,
  count: number,
  entsize: number,
  minEntsize: number,
): number | ElfError {
  if (entsize < minEntsize) {
    return { error: `bad ${what} entry size: expected at least ${minEntsize} bytes, found ${entsize}` };
  }
  const n = Math.min(count, MAX_HEADERS);
  if (!v.fits(off, n * entsize)) return truncated(`${what} (${n} entries)`, off, n * entsize, v.buf.length);
  return n;
}

/** Takes PT_INTERP into `info` and PT_NOTE ranges into `regions`; returns an error or undefined. */
function scanProgramHeaders(
  v: View,
  L: Layout,
  phnum: number,
  info: ElfInfo,
  regions: NoteRegion[],
): ElfError | undefined {
  const phoff = v.word(L.e.phoff);
  const phentsize = v.u16(L.e.phentsize);
  const n = headerTable(v, 'program header table', phoff, phnum, phentsize, L.ph.entsize);
  if (isElfError(n)) return n;
  for (let i = 0; i < n; i++) {
    const ph = phoff + i * phentsize;
    const type = v.u32(ph + L.ph.type);
    if (type !== PT_INTERP && type !== PT_NOTE) continue;
    const offset = v.word(ph + L.ph.offset);
    const size = v.word(ph + L.ph.filesz);
    const what = `${type === PT_INTERP ? 'PT_INTERP' : 'PT_NOTE'} segment (program header ${i})`;
    if (!v.fits(offset, size)) return truncated(what, offset, size, v.buf.length);
    if (type === PT_INTERP) {
      if (info.interpreter === undefined) {
        const bytes = v.buf.subarray(offset, offset + size);
        const nul = bytes.indexOf(0);
        info.interpreter = bytes.toString('utf8', 0, nul === -1 ? bytes.length : nul);
      }
    } else {
      // 64-bit objects may use 8-byte aligned notes (e.g. NT_GNU_PROPERTY_TYPE_0), announced by
      // p_align 8; everything else uses 4 (gABI "Note Section"; readelf.c process_notes_at).
      const align = v.is64 && v.word(ph + L.ph.align) === 8 ? 8 : 4;
      regions.push({ what, offset, size, align });
    }
  }
  return undefined;
}

/** Takes SHT_NOTE ranges into `regions`; returns an error or undefined. */
function scanSectionHeaders(v: View, L: Layout, regions: NoteRegion[]): ElfError | undefined {
  const shoff = v.word(L.e.shoff);
  if (shoff === 0) return undefined;
  let shnum = v.u16(L.e.shnum);
  if (shnum === 0) {
    // Extended numbering: e_shnum 0 with a table present means the count is in section 0's sh_size.
    const s0 = sectionZero(v, L, 'e_shnum is 0');
    if (isElfError(s0)) return s0;
    shnum = s0.size;
  }
  const shentsize = v.u16(L.e.shentsize);
  const n = headerTable(v, 'section header table', shoff, shnum, shentsize, L.sh.entsize);
  if (isElfError(n)) return n;
  for (let i = 0; i < n; i++) {
    const sh = shoff + i * shentsize;
    if (v.u32(sh + L.sh.type) !== SHT_NOTE) continue;
    const offset = v.word(sh + L.sh.offset);
    const size = v.word(sh + L.sh.size);
    const what = `SHT_NOTE section (section header ${i})`;
    if (!v.fits(offset, size)) return truncated(what, offset, size, v.buf.length);
    const align = v.is64 && v.word(sh + L.sh.addralign) === 8 ? 8 : 4;
    regions.push({ what, offset, size, align });
  }
  return undefined;
}

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

/**
 * Walks the notes of one region: namesz, descsz, type, then the name and the descriptor, each padded
 * to the region's alignment (gABI "Note Section"). Returns the first NT_GNU_ABI_TAG with owner "GNU".
 */
function findAbiTag(v: View, r: NoteRegion, budget: { notes: number }): ElfAbiTag | undefined | ElfError {
  const end = r.offset + r.size;
  let pos = r.offset;
  // Fewer than 12 bytes left is trailing padding, not a note.
  while (end - pos >= NOTE_HEADER && budget.notes > 0) {
    budget.notes--;
    const namesz = v.u32(pos);
    const descsz = v.u32(pos + 4);
    const type = v.u32(pos + 8);
    const descAt = alignUp(NOTE_HEADER + namesz, r.align);
    const need = descAt + descsz;
    if (need > end - pos) {
      return { error: `truncated note in ${r.what}: expected ${need} bytes at offset ${hex(pos)}, found ${end - pos}` };
    }
    if (type === NT_GNU_ABI_TAG && namesz === 4 && v.buf.toString('latin1', pos + 12, pos + 16) === 'GNU\0') {
      if (descsz < ABI_TAG_DESC) {
        return {
          error: `bad GNU ABI tag in ${r.what}: expected a descriptor of at least ${ABI_TAG_DESC} bytes, found ${descsz}`,
        };
      }
      const d = pos + descAt;
      const os = v.u32(d);
      return { os, osName: osName(os), kernel: [v.u32(d + 4), v.u32(d + 8), v.u32(d + 12)] };
    }
    pos += Math.min(alignUp(need, r.align), end - pos);
  }
  return undefined;
}

/** ELF_NOTE_OS_* from glibc's elf.h. */
function osName(os: number): string {
  return ['Linux', 'Hurd', 'Solaris', 'FreeBSD'][os] ?? `os ${os}`;
}

const EM_SPARC = 2;
const EM_386 = 3;
const EM_MIPS = 8;
const EM_PPC = 20;
const EM_PPC64 = 21;
const EM_S390 = 22;
const EM_ARM = 40;
const EM_SPARCV9 = 43;
const EM_X86_64 = 62;
const EM_AARCH64 = 183;
const EM_RISCV = 243;
const EM_LOONGARCH = 258;

/** The usual name of a machine (as uname -m or a Debian multiarch triplet says it). */
function machineName(machine: number, is64: boolean, le: boolean): string {
  switch (machine) {
    case EM_386:
      return 'i386';
    case EM_X86_64:
      return is64 ? 'x86_64' : 'x32';
    case EM_AARCH64:
      return le ? 'aarch64' : 'aarch64_be';
    case EM_ARM:
      return le ? 'arm' : 'armeb';
    case EM_RISCV:
      return is64 ? 'riscv64' : 'riscv32';
    case EM_PPC64:
      return le ? 'ppc64le' : 'ppc64';
    case EM_PPC:
      return 'ppc';
    case EM_S390:
      return is64 ? 's390x' : 's390';
    case EM_MIPS:
      return (is64 ? 'mips64' : 'mips') + (le ? 'el' : '');
    case EM_LOONGARCH:
      return is64 ? 'loongarch64' : 'loongarch32';
    case EM_SPARC:
      return 'sparc';
    case EM_SPARCV9:
      return 'sparc64';
    default:
      return `machine ${machine}`;
  }
}

/** Node's process.arch values and the e_machine of the objects such a process can load. */
const ARCH_MACHINE: ReadonlyMap<string, number> = new Map([
  ['x64', EM_X86_64],
  ['arm64', EM_AARCH64],
  ['ia32', EM_386],
  ['arm', EM_ARM],
  ['riscv64', EM_RISCV],
  ['ppc64', EM_PPC64],
  ['ppc', EM_PPC],
  ['s390x', EM_S390],
  ['s390', EM_S390],
  ['mips', EM_MIPS],
  ['mipsel', EM_MIPS],
  ['loong64', EM_LOONGARCH],
]);

/**
 * Whether e_machine `machine` is the machine of Node's `process.arch` value `nodeArch`. Only the
 * machine is compared: class and byte order (ppc64 vs ppc64le) are the caller's to check.
 */
export function machineMatchesArch(machine: number, nodeArch: string): boolean {
  return ARCH_MACHINE.get(nodeArch) === machine;
}

/** Orders kernel versions: negative if a < b, 0 if equal, positive if a > b. */
export function compareKernel(a: Readonly<KernelVersion>, b: Readonly<KernelVersion>): number {
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

const KERNEL_RELEASE = /^(?<major>\d+)\.(?<minor>\d+)(?:\.(?<patch>\d+))?/;

/** The version at the start of a kernel release (uname -r): '6.1.0-13-amd64' → [6, 1, 0]. */
export function parseKernelRelease(release: string): KernelVersion | undefined {
  const g = KERNEL_RELEASE.exec(release)?.groups;
  if (!g) return undefined;
  const v: KernelVersion = [Number(g['major']), Number(g['minor']), Number(g['patch'] ?? '0')];
  return v.every(Number.isSafeInteger) ? v : undefined;
}

/** A byte range of an ELF file: [offset, offset + size). */
export interface ElfRange {
  readonly offset: number;
  readonly size: number;
}

/**
 * The byte ranges readElfInfo will read, from a buffer holding at least the file's beginning
 * (`head`): the ELF header, the program header table and each PT_INTERP and PT_NOTE segment.
 * Lets a caller read only those parts of a large file. `needMore` when the program header
 * table lies beyond `head` (read that range, then call again with it in place); undefined when
 * the file is not ELF or has no program headers in the usual place (read it whole, capped).
 */
export function elfRanges(head: Buffer, table?: Buffer): ElfRange[] | { needMore: ElfRange } | undefined {
  if (head.length < EI_NIDENT || head.readUInt32BE(0) !== 0x7f454c46) return undefined;
  const cls = head[4];
  const data = head[5];
  if ((cls !== ELFCLASS32 && cls !== ELFCLASS64) || (data !== ELFDATA2LSB && data !== ELFDATA2MSB)) return undefined;
  const L = cls === ELFCLASS64 ? LAYOUT64 : LAYOUT32;
  if (head.length < L.ehsize) return undefined;
  const v = new View(head, data === ELFDATA2LSB, cls === ELFCLASS64);
  const phnum = v.u16(L.e.phnum);
  if (phnum === 0 || phnum === PN_XNUM) return undefined;
  const phoff = v.word(L.e.phoff);
  const phentsize = v.u16(L.e.phentsize);
  if (phentsize < L.ph.entsize) return undefined;
  const tableRange = { offset: phoff, size: Math.min(phnum, MAX_HEADERS) * phentsize };
  let t: View;
  let base: number;
  if (v.fits(tableRange.offset, tableRange.size)) {
    t = v;
    base = 0;
  } else if (table !== undefined && table.length >= tableRange.size) {
    t = new View(table, v.le, v.is64);
    base = phoff;
  } else {
    return { needMore: tableRange };
  }
  const out: ElfRange[] = [{ offset: 0, size: L.ehsize }, tableRange];
  for (let i = 0; i < tableRange.size / phentsize; i++) {
    const ph = phoff - base + i * phentsize;
    const type = t.u32(ph + L.ph.type);
    if (type === PT_INTERP || type === PT_NOTE) out.push({ offset: t.word(ph + L.ph.offset), size: t.word(ph + L.ph.filesz) });
  }
  return out;
}
