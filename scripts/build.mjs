// Bundles the Node commands into single CommonJS files (fast start: one file, no resolution).
import { build } from 'esbuild';

await build({
  entryPoints: { chos: 'src/cli/main-chos.ts', chosctl: 'src/cli/main-chosctl.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  logLevel: 'warning',
});
