// Entry point of dist/chos.cjs (started by bin/chos for its options). I/O.
import { chosMain } from './chos.js';

process.exitCode = chosMain(process.argv.slice(2));
