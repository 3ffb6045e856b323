// Makes Node's fetch honour HTTP_PROXY, HTTPS_PROXY and NO_PROXY (and their lower-case forms),
// as curl and Docker do: Node's own fetch ignores them. Bundled on its own (dist/proxy.cjs,
// with undici's EnvHttpProxyAgent) and loaded only by a pull when one of them is set, so that
// other commands start no slower. I/O (process-wide).

import { EnvHttpProxyAgent, setGlobalDispatcher } from 'undici';

export function installProxy(): void {
  // undici calls the agent experimental on stderr the first time one is made; chosctl's users
  // can do nothing about that, so that one warning is not passed on.
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]): void => {
    const opts = rest[0];
    if (typeof opts === 'object' && opts !== null && (opts as { code?: unknown }).code === 'UNDICI-EHPA') return;
    (emitWarning as (w: string | Error, ...r: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    setGlobalDispatcher(new EnvHttpProxyAgent());
  } finally {
    process.emitWarning = emitWarning;
  }
}
