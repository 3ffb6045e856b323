// Who owns a staging directory, and the processes a run started. A run is named by a tag,
// "PID.STARTTIME" (the start time from /proc/PID/stat), which a reused pid cannot match. Every
// process a run starts (sandboxes, debootstrap) carries the tag in its environment, so a later
// run can find and kill what a killed run left running: bubblewrap killed during its set-up
// leaves its sandbox running as an orphan. I/O, except the parsers.

import * as fs from 'node:fs';

/** The environment variable that marks the processes of one run. */
export const RUN_TAG_ENV = 'CHOS_RUN_TAG';

/** The start time (field 22) from the text of /proc/PID/stat, whose command name may hold spaces and parentheses. Pure. */
export function statStartTime(stat: string): string | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  // After ") " come the fields from the 3rd (state) on: the 22nd is the 20th of them.
  const v = stat.slice(close + 2).split(' ')[19];
  return v !== undefined && /^\d+$/.test(v) ? v : undefined;
}

/** Whether the NUL-separated environment text holds KEY=VALUE exactly. Pure. */
export function environHas(environ: string, key: string, value: string): boolean {
  return environ.split('\0').includes(`${key}=${value}`);
}

/** The tag at the end of a staging directory or tree id ("NAME-MILLIS-TAG", "MILLIS-TAG"). Pure. */
export function tagOfName(name: string): string {
  return name.split('-').pop() ?? '';
}

/** The tag of a temporary file ("FILE.tmp-TAG"), or undefined for another name. Pure. */
export function tagOfTemporary(name: string): string | undefined {
  return /\.tmp-(\d+(?:\.\d+)?)$/.exec(name)?.[1];
}

/** The prefix of the memory-backed scratch directories of imports, in /dev/shm. */
export const SCRATCH_PREFIX = 'chos-import-';

/** The tag of a scratch directory ("chos-import-TAG-XXXXXX", see SCRATCH_PREFIX), or undefined for another name. Pure. */
export function tagOfScratch(name: string): string | undefined {
  return /^chos-import-(\d+\.\d+)-[A-Za-z0-9]{6}$/.exec(name)?.[1];
}

/** Whether a directory or file named after a run (see tagOfName) belongs to another run still going. */
export function ownedByOtherLiveRun(name: string): boolean {
  const tag = tagOfName(name);
  return tag !== ownTag() && tagAlive(tag);
}

/** The pid a tag names ("PID.START", or a bare PID as older runs wrote), or undefined. Pure. */
export function tagPid(tag: string): number | undefined {
  const m = /^(\d+)(?:\.\d+)?$/.exec(tag);
  const pid = m ? Number(m[1]) : NaN;
  return pid > 0 && Number.isSafeInteger(pid) ? pid : undefined;
}

function startTimeOf(pid: number): string | undefined {
  try {
    return statStartTime(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The tag of this process (or of `pid`), undefined when /proc does not tell. */
export function runTag(pid = process.pid): string | undefined {
  const start = startTimeOf(pid);
  return start === undefined ? undefined : `${pid}.${start}`;
}

let own: string | undefined;

/** The tag of this process, or its bare pid when /proc does not tell. */
export function ownTag(): string {
  own ??= runTag() ?? String(process.pid);
  return own;
}

/** Whether the run a tag names still runs. A bare pid is checked with kill(2) alone. */
export function tagAlive(tag: string): boolean {
  const pid = tagPid(tag);
  if (pid === undefined) return false;
  if (!tag.includes('.')) {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
  return runTag(pid) === tag;
}

/** Pids of the processes marked with `tag` in their environment (this process excepted). */
export function taggedProcesses(tag: string): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (environHas(fs.readFileSync(`/proc/${d}/environ`, 'latin1'), RUN_TAG_ENV, tag)) out.push(Number(d));
    } catch { /* gone, or a kernel thread */ }
  }
  return out;
}

export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Kills (SIGKILL) every process marked with `tag` and waits until none is left, or until
 * `timeoutMs` passed. Synchronous, so that a signal handler finishes before anything else
 * runs. True when none is left.
 */
export function killTagged(tag: string, timeoutMs = 5000): boolean {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const pids = taggedProcesses(tag);
    if (pids.length === 0) return true;
    if (Date.now() > until) return false;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch { /* already gone */ }
    }
    sleepSync(20);
  }
}
