// What went wrong when fetch() could not reach a registry, in a few words: Node's fetch throws
// "fetch failed" and hides the reason in a chain of causes (a system error code, or a proxy's
// refusal in undici's words). Pure.

/** A generic message of a link in the chain that says nothing of the reason. */
const GENERIC = new Set(['fetch failed', 'Request was cancelled.', 'terminated']);

export interface FetchFailure {
  /** A system error code (ECONNREFUSED, ENOTFOUND, …) or the most specific message found. */
  readonly reason: string;
  /** What to do, when the reason tells. */
  readonly hint?: string;
}

/** The reason fetch failed, from the error it threw and its causes. Pure. */
export function describeFetchError(e: unknown): FetchFailure {
  const chain: Array<{ code?: unknown; message?: unknown }> = [];
  for (let c: unknown = e; typeof c === 'object' && c !== null && chain.length < 8; c = (c as { cause?: unknown }).cause) {
    chain.push(c as { code?: unknown; message?: unknown });
  }
  const code = chain.map((c) => c.code).find((x): x is string => typeof x === 'string' && /^E[A-Z0-9_]+$/.test(x));
  if (code !== undefined) return { reason: code };
  const message = chain.map((c) => c.message).filter((m): m is string => typeof m === 'string' && m !== '' && !GENERIC.has(m)).pop();
  const reason = message ?? (e instanceof Error && e.message !== '' ? e.message : String(e));
  const proxy = /Proxy response \((\d{3})\)/.exec(reason)?.[1];
  if (proxy === '407') return { reason, hint: 'the proxy wants credentials: give them in its URL, http://USER:PASSWORD@HOST:PORT' };
  if (proxy !== undefined) return { reason, hint: `the proxy refused the connection (${proxy}); check HTTP_PROXY, HTTPS_PROXY and NO_PROXY` };
  return { reason };
}
