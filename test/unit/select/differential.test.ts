// Differential test of the selection rules: bin/chos-rules.sh (what bin/chos and chos-login use)
// and the TypeScript side (what chos --list and --doctor use) get the same hostile $CHOS and
// ~/.chos on the same host states and must give the same answer, word for word, and the one
// expected here. Both run in child processes as one user: as root, as nobody, so that an
// unreadable ~/.chos is unreadable.
//
// The C side (native/common: what the Slurm plugin and the setuid helper use) is the third: it
// has no catalog of known environments (step 2 is the plugin's own, against the node's run
// directory), so what is compared is step 1, the choice: name or none, source, or the refusal
// with its message and hint, against the sh rules' chos_choice alone. The probe
// (native/test/chos-select-probe.c, built here with native/Makefile's flags) runs as the user,
// as the plugin's user mode does, and, when the test runs as root, as root reading ~/.chos with
// nobody's file-system ids, as its root mode does: that mode follows no link, so a link is "not
// a regular file" there (docs/slurm.md). I/O (temporary directories, sh, node, make, gcc).

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

const REPO = path.resolve(__dirname, '..', '..', '..', '..');
const BUILD = path.resolve(__dirname, '..', '..', '..');
const RULES = path.join(REPO, 'bin', 'chos-rules.sh');
const AS_NOBODY = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--'] : [];

// Prints the answer as bin/chos sees it: "ok", name, source; or the problem, message, hint.
const SH_PROBE = `. "$1" || exit 99
if chos_choice && chos_resolve "$2"; then printf 'ok\\n%s\\n%s\\n' "$chos_name" "$chos_from"
else printf '%s\\n%s\\n%s\\n' "$chos_problem" "$chos_why" "$chos_hint"; fi`;
// Step 1 alone (chos_choice), for the C side: "none" and two empty lines when there is no choice.
const SH_CHOICE_PROBE = `. "$1" || exit 99
if chos_choice; then if [ -n "$chos_name" ]; then printf 'ok\\n%s\\n%s\\n' "$chos_name" "$chos_from"; else printf 'none\\n\\n\\n'; fi
else printf '%s\\n%s\\n%s\\n' "$chos_problem" "$chos_why" "$chos_hint"; fi`;
// The same through the function chos --list marks its line with.
const TS_PROBE = `const { selectionFor } = require(${JSON.stringify(path.join(BUILD, 'src', 'cli', 'chos.js'))});
const { answer } = selectionFor(process.env);
process.stdout.write('problem' in answer ? [answer.problem, answer.message, answer.hint].join('\\n') + '\\n' : ['ok', answer.name, answer.source].join('\\n') + '\\n');`;

type Host = 'set-up' | 'no-default' | 'not-set-up';
type FileSpec =
  | { readonly text: string | Buffer }
  | { readonly fifo: true }
  | { readonly dir: true }
  | { readonly link: string }
  | { readonly unreadable: string };

interface Case {
  readonly name: string;
  readonly chos?: string;
  readonly file?: FileSpec;
  readonly home?: 'unset' | 'empty';
  readonly host?: Host;
  /** "ok NAME SOURCE", or the problem code; the message is compared between the two sides. */
  readonly expect: string;
  /** The exact message, where the case is about it. */
  readonly message?: string;
}

const CHARS = 'a name may hold only letters, digits, ".", "_", "+" and "-", and may not start with "." or "-"';
const text = (t: string | Buffer): FileSpec => ({ text: t });

const CASES: readonly Case[] = [
  { name: 'a plain name in ~/.chos', file: text('debian11\n'), expect: 'ok debian11 ~/.chos' },
  { name: 'a name without a final newline', file: text('debian11'), expect: 'ok debian11 ~/.chos' },
  { name: 'CRLF line ends', file: text('debian11\r\nother\r\n'), expect: 'ok debian11 ~/.chos' },
  { name: 'leading and trailing spaces and tabs', file: text(' \t debian11 \t\r\n'), expect: 'ok debian11 ~/.chos' },
  { name: 'an empty file: no choice, "default"', file: text(''), expect: 'ok default default' },
  { name: 'an empty first line: no choice, whatever follows', file: text('\ndebian11\n'), expect: 'ok default default' },
  { name: 'a blank first line: no choice', file: text(' \t\r\ndebian11\n'), expect: 'ok default default' },
  { name: 'a UTF-8 byte order mark is refused', file: text('\ufeffdebian11\n'), expect: 'invalid-name', message: `invalid environment name from ~/.chos: ${CHARS}` },
  { name: 'a non-breaking space is refused', file: text('\u00a0debian11\n'), expect: 'invalid-name' },
  { name: 'a non-breaking space after the name is refused', file: text('debian11\u00a0\n'), expect: 'invalid-name' },
  { name: 'a NUL byte inside the name is refused (not dropped)', file: text(Buffer.from('deb\0ian11\n')), expect: 'invalid-name' },
  { name: 'a NUL byte alone is refused', file: text(Buffer.from('\0\n')), expect: 'invalid-name' },
  { name: 'a NUL byte after the first line does not count', file: text(Buffer.from('debian11\n\0\0')), expect: 'ok debian11 ~/.chos' },
  { name: 'a vertical tab or form feed is not trimmed', file: text('\vdebian11\f\n'), expect: 'invalid-name' },
  { name: 'an escape sequence is refused, not printed', file: text('\u001b[31mdebian11\n'), expect: 'invalid-name' },
  { name: 'a UTF-8 letter is refused', file: text('débian11\n'), expect: 'invalid-name' },
  { name: '".." is refused', file: text('..\n'), expect: 'invalid-name' },
  { name: '"-x" is refused', file: text('-x\n'), expect: 'invalid-name' },
  { name: '"/srv/x" is refused', file: text('/srv/x\n'), expect: 'invalid-name' },
  { name: 'a name of 65 characters is refused', file: text(`${'a'.repeat(65)}\n`), expect: 'invalid-name', message: 'invalid environment name from ~/.chos: the name is longer than 64 characters' },
  { name: 'a name of 64 characters is valid (and unknown here)', file: text(`${'a'.repeat(64)}\n`), expect: 'unknown-environment' },
  { name: 'a first line longer than 256 bytes is cut at 256 (too long a name)', file: text(`${'a'.repeat(300)}\n`), expect: 'invalid-name' },
  { name: 'a name across byte 256 is cut there', file: text(`${' '.repeat(250)}debian11\n`), expect: 'unknown-environment', message: 'unknown environment "debian" (from ~/.chos)' },
  { name: 'a name ending at byte 256 is whole', file: text(`${' '.repeat(248)}debian11${'x'.repeat(100)}`), expect: 'ok debian11 ~/.chos' },
  { name: 'a huge file without newline', file: text('b'.repeat(1 << 20)), expect: 'invalid-name' },
  { name: 'an unknown name', file: text('debian7\n'), expect: 'unknown-environment', message: 'unknown environment "debian7" (from ~/.chos)' },
  { name: '"root" in ~/.chos', file: text('root\n'), expect: 'ok root ~/.chos' },
  { name: 'a FIFO is refused (and never opened)', file: { fifo: true }, expect: 'user-file', message: '~/.chos is not a regular file' },
  { name: 'a directory is refused', file: { dir: true }, expect: 'user-file', message: '~/.chos is not a regular file' },
  { name: 'a link to /dev/zero is refused', file: { link: '/dev/zero' }, expect: 'user-file' },
  { name: 'a dangling link is refused', file: { link: 'nowhere' }, expect: 'user-file' },
  { name: 'a link to a regular file is followed', file: { link: 'target' }, expect: 'ok debian11 ~/.chos' },
  { name: 'an unreadable file is refused', file: { unreadable: 'debian11\n' }, expect: 'user-file', message: '~/.chos cannot be read' },
  { name: '$CHOS wins over ~/.chos', chos: 'debian11', file: text('-x\n'), expect: 'ok debian11 $CHOS' },
  { name: '$CHOS wins over an unreadable ~/.chos', chos: 'debian11', file: { unreadable: 'x' }, expect: 'ok debian11 $CHOS' },
  { name: 'an empty $CHOS counts as unset', chos: '', file: text('debian11\n'), expect: 'ok debian11 ~/.chos' },
  { name: '$CHOS is not trimmed', chos: ' debian11', expect: 'invalid-name', message: `invalid environment name from $CHOS: ${CHARS}` },
  { name: 'a newline in $CHOS is refused', chos: 'debian11\nx', expect: 'invalid-name' },
  { name: 'a 65-character $CHOS is refused', chos: 'a'.repeat(65), expect: 'invalid-name' },
  { name: 'a 64-character $CHOS is valid (and unknown here)', chos: 'a'.repeat(64), expect: 'unknown-environment' },
  { name: 'a long $CHOS with a bad character at its end: the characters are checked first', chos: `${'a'.repeat(300)}/`, expect: 'invalid-name', message: `invalid environment name from $CHOS: ${CHARS}` },
  { name: 'a control character in $CHOS is refused, not printed', chos: 'deb\u0007ian', expect: 'invalid-name' },
  { name: 'a file of CR only: no choice', file: text('\r\r\n'), expect: 'ok default default' },
  { name: 'a name followed by a NUL on its line is refused', file: text(Buffer.from('debian11\0\n')), expect: 'invalid-name' },
  { name: 'an unknown $CHOS', chos: 'debian7', expect: 'unknown-environment', message: 'unknown environment "debian7" (from $CHOS)' },
  { name: '$CHOS=default where there is one', chos: 'default', expect: 'ok default $CHOS' },
  { name: '$CHOS=default where there is none', chos: 'default', host: 'no-default', expect: 'unknown-environment' },
  { name: 'no ~/.chos: "default"', expect: 'ok default default' },
  { name: 'no choice and no default: the host', host: 'no-default', expect: 'ok root host' },
  { name: 'HOME unset: no choice', home: 'unset', expect: 'ok default default' },
  { name: 'HOME empty: no choice (not /.chos)', home: 'empty', expect: 'ok default default' },
  { name: 'not set up, no choice: refused', host: 'not-set-up', expect: 'not-set-up' },
  { name: 'not set up, a name: refused', host: 'not-set-up', file: text('debian11\n'), expect: 'not-set-up' },
  { name: 'not set up, "root": the host', host: 'not-set-up', chos: 'root', expect: 'ok root $CHOS' },
  { name: 'not set up, an invalid name: the name is refused first', host: 'not-set-up', file: text('..\n'), expect: 'invalid-name' },
];

let base = '';
let probe = '';
const runDirs: Record<Host, string> = { 'set-up': '', 'no-default': '', 'not-set-up': '' };

function makeRun(dir: string, names: readonly string[] | undefined): void {
  fs.mkdirSync(dir, { recursive: true });
  if (!names) return;
  fs.mkdirSync(path.join(dir, 'current', 'env'), { recursive: true });
  for (const n of names) fs.writeFileSync(path.join(dir, 'current', 'env', n), "root='/'\n");
  fs.writeFileSync(path.join(dir, 'current', 'catalog.json'), JSON.stringify({ environments: names.map((name) => ({ name, path: '/' })) }));
}

function makeHome(dir: string, spec: FileSpec | undefined): void {
  fs.mkdirSync(dir, { mode: 0o755 });
  fs.chmodSync(dir, 0o755);
  const f = path.join(dir, '.chos');
  if (!spec) return;
  if ('text' in spec) fs.writeFileSync(f, spec.text, { mode: 0o644 });
  else if ('fifo' in spec) spawnSync('mkfifo', ['-m', '644', f]);
  else if ('dir' in spec) fs.mkdirSync(f);
  else if ('link' in spec) {
    fs.writeFileSync(path.join(dir, 'target'), 'debian11\n', { mode: 0o644 });
    fs.symlinkSync(spec.link, f);
  } else {
    fs.writeFileSync(f, spec.unreadable, { mode: 0o000 });
  }
  // The user's own (the plugin's root mode reads no other), for all three sides.
  if (AS_NOBODY.length > 0) for (const n of fs.readdirSync(dir)) fs.lchownSync(path.join(dir, n), 65534, 65534);
}

/** Builds the C probe with native/Makefile (the plugin's rules, the helper's flags) into dir. */
function buildProbe(dir: string): string {
  const missing = ['gcc', 'make'].filter((c) => spawnSync('sh', ['-c', 'command -v "$0"', c], { stdio: 'ignore' }).status !== 0);
  assert.deepEqual(missing, [], `${missing.join(', ')} not installed: apt-get install gcc make (or build-essential); the C side of the selection rules is built and tested here`);
  const r = spawnSync('make', ['-s', '-C', path.join(REPO, 'native'), `OUT=${dir}`, 'probe'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `make -C native probe failed: ${r.stdout}${r.stderr}${r.error?.message ?? ''}`);
  return path.join(dir, 'chos-select-probe');
}

function answerOf(argv: readonly string[], env: Record<string, string>): string[] {
  const r = spawnSync(argv[0] ?? '', argv.slice(1), { encoding: 'utf8', env, cwd: '/', timeout: 20_000 });
  assert.equal(r.status, 0, `${argv.join(' ')} failed: ${r.stderr}${r.error?.message ?? ''}`);
  assert.equal(r.stderr, '', 'nothing on stderr');
  return r.stdout.split('\n').slice(0, 3);
}

describe('the sh, TypeScript and C rules give the same answer', () => {
  before(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'chos-rules-'));
    fs.chmodSync(base, 0o755);
    makeRun(path.join(base, 'run-set-up'), ['root', 'default', 'debian11', 'debian12']);
    makeRun(path.join(base, 'run-no-default'), ['root', 'debian11']);
    makeRun(path.join(base, 'run-not-set-up'), undefined);
    for (const h of Object.keys(runDirs) as Host[]) runDirs[h] = path.join(base, `run-${h}`);
    probe = buildProbe(path.join(base, 'native'));
  });
  after(() => {
    if (base) fs.rmSync(base, { recursive: true, force: true });
  });

  CASES.forEach((c, i) => {
    test(`${c.name} (${c.expect})`, () => {
      const home = path.join(base, `home-${i}`);
      makeHome(home, c.file);
      const env: Record<string, string> = { PATH: '/usr/bin:/bin', CHOS_RUN_DIR: runDirs[c.host ?? 'set-up'] };
      if (c.home !== 'unset') env['HOME'] = c.home === 'empty' ? '' : home;
      if (c.chos !== undefined) env['CHOS'] = c.chos;
      const sh = answerOf([...AS_NOBODY, 'sh', '-c', SH_PROBE, 'probe', RULES, env['CHOS_RUN_DIR'] ?? ''], env);
      const ts = answerOf([...AS_NOBODY, process.execPath, '-e', TS_PROBE], env);
      assert.deepEqual(ts, sh, 'TypeScript answers as sh does');
      const [kind, a, b] = sh;
      assert.equal(kind === 'ok' ? `ok ${a ?? ''} ${b ?? ''}` : kind, c.expect);
      if (c.message !== undefined) assert.equal(a, c.message);
      // Never the refused name itself: it may hold control characters.
      if (kind !== 'ok') assert.doesNotMatch(`${a ?? ''}${b ?? ''}`, /[\u0000-\u001f\u007f-\uffff]/u);
      // Step 1 in C, as the plugin's user mode and (as root) its root mode read it.
      const choice = answerOf([...AS_NOBODY, 'sh', '-c', SH_CHOICE_PROBE, 'probe', RULES], env);
      assert.deepEqual(answerOf([...AS_NOBODY, probe], env), choice, 'C (user mode) chooses as sh does');
      if (AS_NOBODY.length > 0) {
        const link = c.file !== undefined && 'link' in c.file;
        const rootMode = link ? ['user-file', '~/.chos is not a regular file', 'replace it with a file naming an environment: chos --use NAME'] : choice;
        assert.deepEqual(answerOf([probe, '--as', '65534:65534'], env), rootMode, 'C (root mode) chooses as sh does, links refused');
      }
    });
  });
});
