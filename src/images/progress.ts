// Progress of the long steps of chosctl create (downloads, extraction) for a terminal line:
// a throttled meter, and the line's text. The formatter is pure; the meter reads the clock.

export interface ProgressReport {
  /** The step: "downloading 2/3 layers", "extracting /srv/site.tar.zst", "applying layer 1/3". */
  readonly what: string;
  /** Bytes so far (downloaded, or content extracted). */
  readonly done: number;
  /** Bytes in all, when known. */
  readonly total?: number;
  /** Members extracted so far (extraction only). */
  readonly entries?: number;
  readonly bytesPerSecond: number;
}

export type ProgressFn = (p: ProgressReport) => void;

const mb = (n: number): string => (n / 1e6).toFixed(1);

/** "WHAT: 120.5/206.0 MB  80 MB/s  ETA 1 s", or with entries and no total when it is not known. Pure. */
export function formatProgress(p: ProgressReport): string {
  const size = p.total !== undefined && p.total > 0 ? `${mb(Math.min(p.done, p.total))}/${mb(p.total)} MB` : `${mb(p.done)} MB`;
  const entries = p.entries !== undefined ? `${p.entries} entries, ` : '';
  const rate = `${(p.bytesPerSecond / 1e6).toFixed(0)} MB/s`;
  const left = p.total !== undefined && p.bytesPerSecond > 0 && p.total > p.done ? `  ETA ${Math.ceil((p.total - p.done) / p.bytesPerSecond)} s` : '';
  return `${p.what}: ${entries}${size}  ${rate}${left}`;
}

/** Reports at most four times a second, with the rate since the meter started. */
export class Meter {
  private readonly started: number;
  /** The first report waits a quarter of a second too: a rate over a few milliseconds means nothing. */
  private shown: number;

  constructor(private readonly fn: ProgressFn | undefined, private readonly now: () => number = Date.now) {
    this.started = now();
    this.shown = this.started;
  }

  update(what: string, done: number, total?: number, entries?: number): void {
    if (!this.fn) return;
    const t = this.now();
    if (t - this.shown < 250) return;
    this.shown = t;
    this.fn({ what, done, ...(total !== undefined ? { total } : {}), ...(entries !== undefined ? { entries } : {}), bytesPerSecond: (done * 1000) / Math.max(1, t - this.started) });
  }
}
