// Makes Node's fetch honour HTTP_PROXY, HTTPS_PROXY and NO_PROXY (and their lower-case forms),
// as curl and Docker do: Node's own fetch ignores them. Bundled on its own (dist/proxy.cjs,
// with undici's EnvHttpProxyAgent) and loaded only by a pull when one of them is set, so that
// other commands start no slower. I/O (process-wide).

import { EnvHttpProxyAgent, setGlobalDispatcher } from 'undici';

export function installProxy(): void {
  setGlobalDispatcher(new EnvHttpProxyAgent());
}
