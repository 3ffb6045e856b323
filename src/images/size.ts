// Sizes as admins write them on the command line: "500M", "64G", "1.5T", "4096". Pure.

const UNITS: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

/** Bytes for "N", "NK", "NM", "NG" or "NT" (binary units, optional "iB"/"B"); an error otherwise. */
export function parseSize(text: string): number | { error: string } {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?$/i.exec(text.trim());
  const unit = UNITS[(m?.[2] ?? '').toUpperCase()];
  if (!m || unit === undefined) return { error: `invalid size "${text}" (use e.g. 4096, 500M, 64G)` };
  const bytes = Math.floor(Number(m[1]) * unit);
  if (!Number.isSafeInteger(bytes) || bytes <= 0) return { error: `invalid size "${text}" (it must be above 0 and below 8 PiB)` };
  return bytes;
}

/** A positive whole count; an error otherwise. */
export function parseCount(text: string): number | { error: string } {
  if (!/^\d+$/.test(text.trim())) return { error: `invalid count "${text}" (a whole number above 0)` };
  const n = Number(text.trim());
  return Number.isSafeInteger(n) && n > 0 ? n : { error: `invalid count "${text}" (a whole number above 0)` };
}
