// Bundles the Node commands into single CommonJS files (fast start: one file, no resolution).
import { build } from 'esbuild';

await build({
  // proxy: loaded by chosctl only when a pull has a proxy to use (see src/images/proxy.ts).
  entryPoints: { chos: 'src/cli/main-chos.ts', chosctl: 'src/cli/main-chosctl.ts', proxy: 'src/images/proxy.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
});
