// `chosctl slurm-config --install`: writes the plugstack.conf line that loads chos's SPANK
// plugin (src/config/plugstack.ts) into the file Slurm reads. I/O.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChosError } from '../errors.js';
import { mergePlugstack } from '../config/plugstack.js';

/** Writes the merged file atomically (same owner and mode as before, else root 0644). */
export function installSlurmConfig(line: string, file: string): void {
  if (process.getuid?.() !== 0) throw new ChosError('not-root', 'chosctl slurm-config --install must run as root');
  if (!fs.existsSync(path.dirname(file))) {
    throw new ChosError('setup-failed', `${path.dirname(file)} does not exist`, { hint: 'is Slurm installed? Set SLURM_CONF to the slurm.conf your nodes read' });
  }
  const st = fs.existsSync(file) ? fs.lstatSync(file) : undefined;
  if (st !== undefined && !st.isFile()) throw new ChosError('setup-failed', `${file} is not a regular file; refusing it`);
  const text = mergePlugstack(st ? fs.readFileSync(file, 'utf8') : '', line);
  const tmp = `${file}.chos-new`;
  fs.writeFileSync(tmp, text, { mode: st ? st.mode & 0o777 : 0o644 });
  fs.renameSync(tmp, file);
}
