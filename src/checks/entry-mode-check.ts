// Doctor's line on the entry mode (ENTRY=userns or setuid) of the current generation, and
// whether the setuid helper it names is really setuid root. I/O.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { generationHelper } from '../state/catalog.js';
import type { Finding } from './findings.js';

export function entryModeFindings(runDir: string): Finding[] {
  if (!fs.existsSync(path.join(runDir, 'current'))) return [];
  const helper = generationHelper(runDir);
  if (helper === undefined) {
    return [{ subject: 'entry', level: 'ok', code: 'entry-mode', message: 'ENTRY="userns": entry through an unprivileged user namespace' }];
  }
  let st: fs.Stats | undefined;
  try {
    st = helper === '' ? undefined : fs.statSync(helper);
  } catch { /* reported below */ }
  if (st && st.isFile() && st.uid === 0 && (st.mode & 0o4000) !== 0) {
    return [{ subject: 'entry', level: 'ok', code: 'entry-mode', message: `ENTRY="setuid": entry through ${helper} (setuid root); user namespaces are not needed` }];
  }
  return [{
    subject: 'entry', level: 'error', code: 'entry-helper',
    message: `ENTRY="setuid" but the helper ${helper || '(unnamed)'} is not installed setuid root: nobody can enter an environment`,
    hint: "build it with scripts/install-helper.sh, then run 'chosctl setup' as root",
  }];
}
