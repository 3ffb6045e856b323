// Entry point of dist/chosctl.cjs (started by bin/chosctl). I/O.
import { chosctlMain } from './chosctl.js';

void chosctlMain(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
