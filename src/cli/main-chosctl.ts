// Entry point of dist/chosctl.cjs (started by bin/chosctl). I/O.
import { chosctlMain } from './chosctl.js';

process.exitCode = chosctlMain(process.argv.slice(2));
