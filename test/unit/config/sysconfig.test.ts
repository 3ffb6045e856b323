// Unit tests for src/config/sysconfig.ts: /etc/sysconfig/chos and parseShellValue. Pure.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Diagnostic } from '../../../src/config/diagnostic.js';
import { type SysConfig, entryMode, parseShellValue, parseSysConfig } from '../../../src/config/sysconfig.js';

const FILE = '/etc/sysconfig/chos';
const parse = (text: string): SysConfig => parseSysConfig(text, FILE);
const lines = (...ls: string[]): string => ls.join('\n') + '\n';

const BIND_HINT = 'list host directories such as /scratch or /opt/site, separated by spaces';
const SHELL_HINT = 'chos reads this file without running it, so shell code has no effect';

function diag(line: number, severity: Diagnostic['severity'], message: string, hint?: string): Diagnostic {
  return { file: FILE, line, severity, message, ...(hint === undefined ? {} : { hint }) };
}
const err = (line: number, message: string, hint?: string): Diagnostic => diag(line, 'error', message, hint);
const warn = (line: number, message: string, hint?: string): Diagnostic => diag(line, 'warning', message, hint);
const notDir = (line: number, dir: string): Diagnostic =>
  err(line, `BINDMOUNT: "${dir}" is not an absolute directory path below "/"`, BIND_HINT);

interface Case {
  readonly name: string;
  readonly text: string;
  readonly expected: SysConfig;
}

function runCases(cases: readonly Case[]): void {
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(parse(c.text), c.expected);
    });
  }
}

describe('parseSysConfig: BINDMOUNT', () => {
  runCases([
    {
      name: 'an empty file gives no bind mounts, no CHOS path and no diagnostics',
      text: '',
      expected: { bindMounts: [], diagnostics: [] },
    },
    {
      name: 'a double-quoted list is split at whitespace',
      text: lines('BINDMOUNT="/scratch /opt/site\t/project"'),
      expected: { bindMounts: ['/scratch', '/opt/site', '/project'], diagnostics: [] },
    },
    {
      name: 'a single-quoted list is split at whitespace',
      text: lines("BINDMOUNT='/scratch  /opt/site'"),
      expected: { bindMounts: ['/scratch', '/opt/site'], diagnostics: [] },
    },
    {
      name: 'an unquoted value is one word',
      text: lines('BINDMOUNT=/scratch'),
      expected: { bindMounts: ['/scratch'], diagnostics: [] },
    },
    {
      name: 'a leading "export" is accepted',
      text: lines('export BINDMOUNT="/scratch"', '  export\tCHOS=/etc/chos.site'),
      expected: { chosFile: '/etc/chos.site', bindMounts: ['/scratch'], diagnostics: [] },
    },
    {
      name: 'a comment after the value is ignored',
      text: lines('BINDMOUNT="/scratch /opt/site" # site filesystems', 'CHOS=/etc/chos #list'),
      expected: { chosFile: '/etc/chos', bindMounts: ['/scratch', '/opt/site'], diagnostics: [] },
    },
    {
      name: 'comment lines, indented comments, blank lines and CRLF endings are ignored',
      text: '# chos\r\n  # indented\r\n\r\n   \r\nBINDMOUNT="/scratch"\r\n',
      expected: { bindMounts: ['/scratch'], diagnostics: [] },
    },
    {
      name: 'an empty value means no bind mounts',
      text: lines('BINDMOUNT=""'),
      expected: { bindMounts: [], diagnostics: [] },
    },
    {
      name: 'a later BINDMOUNT replaces an earlier one, as in a shell',
      text: lines('BINDMOUNT="/scratch /opt"', 'BINDMOUNT="/project"'),
      expected: { bindMounts: ['/project'], diagnostics: [] },
    },
    {
      name: 'paths are normalised and duplicates are kept once, in first order',
      text: lines('BINDMOUNT="/scratch /opt//site/ /scratch/ /opt/site /scratch"'),
      expected: { bindMounts: ['/scratch', '/opt/site'], diagnostics: [] },
    },
    {
      name: 'the original default list is read as it stands',
      text: lines('BINDMOUNT="/dev /dev/shm /dev/pts /sys /proc /var /var/log /root /boot /selinux"'),
      expected: {
        bindMounts: ['/dev', '/dev/shm', '/dev/pts', '/sys', '/proc', '/var', '/var/log', '/root', '/boot', '/selinux'],
        diagnostics: [],
      },
    },
    {
      name: 'a relative path is an error and the other paths are kept',
      text: lines('BINDMOUNT="/scratch scratch2 ./x /opt"'),
      expected: { bindMounts: ['/scratch', '/opt'], diagnostics: [notDir(1, 'scratch2'), notDir(1, './x')] },
    },
    {
      name: '"/" itself, in any spelling, is an error',
      text: lines('BINDMOUNT="/ // /./ /scratch"'),
      expected: { bindMounts: ['/scratch'], diagnostics: [notDir(1, '/'), notDir(1, '//'), notDir(1, '/./')] },
    },
    {
      name: 'a path with ".." is an error',
      text: lines('BINDMOUNT="/scratch/../etc"'),
      expected: { bindMounts: [], diagnostics: [notDir(1, '/scratch/../etc')] },
    },
    {
      name: 'an unterminated double quote is an error and the line is ignored',
      text: lines('BINDMOUNT="/scratch', 'BINDMOUNT2=x'),
      expected: {
        bindMounts: [],
        diagnostics: [err(1, 'BINDMOUNT: unterminated double quote'), warn(2, 'unknown variable "BINDMOUNT2" is ignored')],
      },
    },
    {
      name: 'an unterminated single quote is an error and the earlier value stays',
      text: lines('BINDMOUNT=/opt', "BINDMOUNT='/scratch"),
      expected: { bindMounts: ['/opt'], diagnostics: [err(2, 'BINDMOUNT: unterminated single quote')] },
    },
    {
      name: 'text after the value is an error',
      text: lines('BINDMOUNT="/scratch" /opt'),
      expected: { bindMounts: [], diagnostics: [err(1, 'BINDMOUNT: unexpected text after the value: "/opt"')] },
    },
    {
      name: '"$" is taken literally with a warning',
      text: lines('BINDMOUNT="/scratch/$USER"'),
      expected: {
        bindMounts: ['/scratch/$USER'],
        diagnostics: [warn(1, 'BINDMOUNT: "$" and "`" are taken literally, not expanded')],
      },
    },
    {
      name: '"`" is taken literally with a warning',
      text: lines("BINDMOUNT='/opt/`hostname`'"),
      expected: {
        bindMounts: ['/opt/`hostname`'],
        diagnostics: [warn(1, 'BINDMOUNT: "$" and "`" are taken literally, not expanded')],
      },
    },
    {
      name: 'an unexpanded variable at the start of a path gives the warning and the path error',
      text: lines('BINDMOUNT="$HOME/x"'),
      expected: {
        bindMounts: [],
        diagnostics: [warn(1, 'BINDMOUNT: "$" and "`" are taken literally, not expanded'), notDir(1, '$HOME/x')],
      },
    },
  ]);
});

describe('parseSysConfig: CHOS', () => {
  runCases([
    {
      name: 'CHOS= sets the path of the environment list, normalised',
      text: lines('CHOS="/etc//chos.site/"'),
      expected: { chosFile: '/etc/chos.site', bindMounts: [], diagnostics: [] },
    },
    {
      name: 'a relative CHOS path is an error',
      text: lines('CHOS=etc/chos'),
      expected: { bindMounts: [], diagnostics: [err(1, 'CHOS: "etc/chos" is not an absolute path')] },
    },
    {
      name: 'an empty CHOS path is an error',
      text: lines('CHOS='),
      expected: { bindMounts: [], diagnostics: [err(1, 'CHOS: "" is not an absolute path')] },
    },
    {
      name: 'a CHOS path with ".." is an error',
      text: lines('CHOS=/etc/../tmp/chos'),
      expected: { bindMounts: [], diagnostics: [err(1, 'CHOS: "/etc/../tmp/chos" is not an absolute path')] },
    },
    {
      name: 'a later CHOS= replaces an earlier one',
      text: lines('CHOS=/etc/a', 'CHOS=/etc/b'),
      expected: { chosFile: '/etc/b', bindMounts: [], diagnostics: [] },
    },
  ]);
});

describe('parseSysConfig: other lines', () => {
  runCases([
    {
      name: 'MAKELINKS and PRIVATE_MOUNTS are accepted silently',
      text: lines('MAKELINKS="no"', 'export PRIVATE_MOUNTS=yes', 'MAKELINKS=yes'),
      expected: { bindMounts: [], diagnostics: [] },
    },
    {
      name: 'an unknown variable is ignored with a warning',
      text: lines('BINDMOUNTS="/scratch"', 'chos=/etc/chos'),
      expected: {
        bindMounts: [],
        diagnostics: [warn(1, 'unknown variable "BINDMOUNTS" is ignored'), warn(2, 'unknown variable "chos" is ignored')],
      },
    },
    {
      name: 'shell code lines are ignored with a warning and a hint',
      text: lines(
        'if [ -f /etc/chos.local ]; then',
        '  . /etc/chos.local',
        'fi',
        'BINDMOUNT = "/scratch"',
        'BINDMOUNT+=" /opt"',
        '1BAD=x',
      ),
      expected: {
        bindMounts: [],
        diagnostics: [
          warn(1, 'not a plain NAME=value assignment, ignored: "if [ -f /etc/chos.local ]; then"', SHELL_HINT),
          warn(2, 'not a plain NAME=value assignment, ignored: ". /etc/chos.local"', SHELL_HINT),
          warn(3, 'not a plain NAME=value assignment, ignored: "fi"', SHELL_HINT),
          warn(4, 'not a plain NAME=value assignment, ignored: "BINDMOUNT = "/scratch""', SHELL_HINT),
          warn(5, 'not a plain NAME=value assignment, ignored: "BINDMOUNT+=" /opt""', SHELL_HINT),
          warn(6, 'not a plain NAME=value assignment, ignored: "1BAD=x"', SHELL_HINT),
        ],
      },
    },
    {
      name: 'a command substitution is refused as text after the value',
      text: lines('BINDMOUNT=$(cat /etc/binds)'),
      expected: {
        bindMounts: [],
        diagnostics: [err(1, 'BINDMOUNT: unexpected text after the value: "/etc/binds)"')],
      },
    },
    {
      name: 'hostile variable names are unknown variables, nothing more',
      text: lines('__proto__=/x', 'constructor=/y'),
      expected: {
        bindMounts: [],
        diagnostics: [warn(1, 'unknown variable "__proto__" is ignored'), warn(2, 'unknown variable "constructor" is ignored')],
      },
    },
  ]);

  test('the file name given is used in every diagnostic', () => {
    const got = parseSysConfig(lines('X=1', 'BINDMOUNT="'), '/site/sysconfig');
    assert.deepEqual(got.diagnostics.map((d) => d.file), ['/site/sysconfig', '/site/sysconfig']);
  });
});

describe('parseShellValue', () => {
  const ok: ReadonlyArray<readonly [string, string]> = [
    ['', ''],
    ['word', 'word'],
    ['/a/b', '/a/b'],
    ['"a b"', 'a b'],
    ["'a b'", 'a b'],
    ['""', ''],
    ["''", ''],
    ['"a"\'b\'c', 'abc'],
    ['pre"mid dle"post', 'premid dlepost'],
    ['"it\'s"', "it's"],
    ['\'say "hi"\'', 'say "hi"'],
    ['"$HOME"', '$HOME'],
    ["'a\\b'", 'a\\b'],
    ['word   ', 'word'],
    ['word # comment', 'word'],
    ['"a b"#comment', 'a b#comment'],
    ['"a b" #comment', 'a b'],
    ['   # only a comment', ''],
    ['   ', ''],
  ];
  for (const [raw, value] of ok) {
    test(`${JSON.stringify(raw)} reads as ${JSON.stringify(value)}`, () => {
      assert.deepEqual(parseShellValue(raw), { value });
    });
  }

  const bad: ReadonlyArray<readonly [string, string]> = [
    ['"abc', 'unterminated double quote'],
    ["'abc", 'unterminated single quote'],
    ['"a"\'b', 'unterminated single quote'],
    ['ok "open', 'unexpected text after the value: ""open"'],
    ['a b', 'unexpected text after the value: "b"'],
    ['"a" b c ', 'unexpected text after the value: "b c"'],
  ];
  for (const [raw, error] of bad) {
    test(`${JSON.stringify(raw)} is refused with "${error}"`, () => {
      assert.deepEqual(parseShellValue(raw), { error });
    });
  }
});

describe('parseSysConfig: ENTRY', () => {
  const ENTRY_HINT = 'use ENTRY="userns" (the default) or ENTRY="setuid"';
  runCases([
    { name: 'ENTRY="setuid" selects the helper', text: lines('ENTRY="setuid"'), expected: { bindMounts: [], entry: 'setuid', diagnostics: [] } },
    { name: "ENTRY=userns, bare or quoted, selects user namespaces", text: lines("ENTRY='userns'"), expected: { bindMounts: [], entry: 'userns', diagnostics: [] } },
    { name: 'a later ENTRY replaces an earlier one', text: lines('ENTRY=setuid', 'export ENTRY=userns'), expected: { bindMounts: [], entry: 'userns', diagnostics: [] } },
    {
      name: 'a bad value is an error with its line, and the mode stays the default',
      text: lines('# site', 'ENTRY="suid"'),
      expected: { bindMounts: [], diagnostics: [err(2, 'ENTRY: "suid" is not an entry mode', ENTRY_HINT)] },
    },
    {
      name: 'case matters, and control characters are not echoed',
      text: lines('ENTRY=SETUID', 'ENTRY="set\u001buid"'),
      expected: {
        bindMounts: [],
        diagnostics: [err(1, 'ENTRY: "SETUID" is not an entry mode', ENTRY_HINT), err(2, 'ENTRY: "set?uid" is not an entry mode', ENTRY_HINT)],
      },
    },
  ]);
  test('entryMode defaults to userns', () => {
    assert.equal(entryMode(parse('')), 'userns');
    assert.equal(entryMode(parse('ENTRY=setuid\n')), 'setuid');
  });
});

describe('parseSysConfig: UNSAFE_TREES', () => {
  test('names the environments, separated by blanks; absent means none', () => {
    assert.deepEqual(parseSysConfig('UNSAFE_TREES="lab  scratch"\n', '/s').unsafeTrees, ['lab', 'scratch']);
    assert.equal(parseSysConfig('BINDMOUNT=/x\n', '/s').unsafeTrees, undefined);
    assert.deepEqual(parseSysConfig('UNSAFE_TREES=lab\n', '/s').diagnostics, []);
  });
});
