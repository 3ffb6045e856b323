// A real single-node Slurm cluster for the tests: munged, slurmctld and slurmd (Debian's, 22.05)
// started directly (no systemd) with their own key, config, state, spool and log directories
// under the test world, non-default ports, stopped by PID afterwards; and an rsyslogd of its own
// that receives what the plugin logs (slurmd runs where /dev/log is that rsyslogd's socket).
// I/O; needs root.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SITE_DIR, USER, WORLD, run, userEnv } from './harness.js';
import { sleepSync } from '../../src/host/processes.js';

export const SLURM = path.join(WORLD, 'slurm');
// The config and munge's socket live in the site directory, which every environment binds
// (BINDMOUNT): srun inside a job reaches them at the same paths, as a site's /etc/slurm and
// /run/munge must be. Spool and state stay in the world: batch scripts are reached via /local.
const SITE_SLURM = path.join(SITE_DIR, 'slurm');
export const SLURM_CONF = path.join(SITE_SLURM, 'etc', 'slurm.conf');
export const PLUGSTACK = path.join(SITE_SLURM, 'etc', 'plugstack.conf');
export const MUNGE_SOCKET = path.join(SITE_SLURM, 'munge', 'munge.socket.2');
export const SPOOL = path.join(SLURM, 'spool');
const STATE = path.join(SLURM, 'state');
const LOG = path.join(SLURM, 'log');
/** What the cluster's rsyslogd writes: authpriv.*, the plugin's entry records. */
export const AUTH_LOG = path.join(LOG, 'auth.log');
const LOG_SOCKET = path.join(SLURM, 'log.sock');
// Where slurmd's mount namespace gets a /dev/log when the machine has none (see LOG_NAMESPACE).
const DEV_LOG_DIR = path.join(SLURM, 'devlog');
const PIDS = {
  rsyslogd: path.join(SLURM, 'rsyslogd.pid'),
  munged: path.join(SLURM, 'munged.pid'),
  slurmctld: path.join(SLURM, 'slurmctld.pid'),
  slurmd: path.join(SLURM, 'slurmd.pid'),
} as const;
// Non-default ports, distinct from a real cluster's 6817/6818 (overridable, for two runs).
const BASE_PORT = Number(process.env['CHOS_E2E_SLURM_PORT'] ?? 16817);
export const NODE = os.hostname().split('.')[0] ?? 'localhost';

function write(file: string, text: string, mode = 0o644): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  fs.writeFileSync(file, text, { mode });
  fs.chmodSync(file, mode);
}

function slurmConf(): string {
  return `# chos e2e test cluster (generated). Addresses are given: trees without /etc/hosts cannot resolve the node's name.
ClusterName=chose2e
SlurmctldHost=${NODE}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=${String(BASE_PORT)}
SlurmdPort=${String(BASE_PORT + 1)}
StateSaveLocation=${STATE}
SlurmdSpoolDir=${SPOOL}
SlurmctldPidFile=${PIDS.slurmctld}
SlurmdPidFile=${PIDS.slurmd}
SlurmctldLogFile=${path.join(LOG, 'slurmctld.log')}
SlurmdLogFile=${path.join(LOG, 'slurmd.log')}
SlurmctldDebug=info
SlurmdDebug=info
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=${MUNGE_SOCKET}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
PlugStackConfig=${PLUGSTACK}
ReturnToService=2
KillWait=2
MessageTimeout=20
NodeName=${NODE} NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=${NODE} Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
`;
}

function pidOf(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `ok` every 200 ms for at most `ms`; true when it held. */
export function poll(ms: number, ok: () => boolean): boolean {
  for (const end = Date.now() + ms; Date.now() < end; sleepSync(200)) if (ok()) return true;
  return ok();
}

export function logs(): string {
  const out: string[] = [];
  for (const f of ['munged.log', 'slurmctld.log', 'slurmd.log', 'auth.log']) {
    const p = path.join(LOG, f);
    if (fs.existsSync(p)) out.push(`--- ${f}\n${fs.readFileSync(p, 'utf8').split('\n').slice(-40).join('\n')}`);
  }
  return out.join('\n');
}

function fail(what: string): never {
  throw new Error(`test cluster: ${what}\n${logs()}`);
}

/** The environment srun/sbatch get as the test user: the test config, nothing else inherited. */
export function slurmEnv(extra: Record<string, string> = {}): Record<string, string> {
  return userEnv({ SLURM_CONF, ...extra });
}

/** Writes the plugin stack the daemons (and srun) read; '' for none. */
export function writePlugstack(text: string): void {
  write(PLUGSTACK, text);
}

/** The records the cluster's rsyslogd has written so far ('' before the first). */
export function authLog(): string {
  return fs.existsSync(AUTH_LOG) ? fs.readFileSync(AUTH_LOG, 'utf8') : '';
}

/** The cluster's own rsyslogd, on its own socket (never the machine's logger or journal). */
function startRsyslogd(): void {
  fs.rmSync(LOG_SOCKET, { force: true });
  const conf = path.join(SLURM, 'rsyslog.conf');
  write(conf, `module(load="imuxsock" SysSock.Use="off")\ninput(type="imuxsock" Socket="${LOG_SOCKET}")\nauthpriv.* ${AUTH_LOG}\n`);
  const r = run('rsyslogd', ['-f', conf, '-i', PIDS.rsyslogd]);
  if (r.error !== undefined) fail(`rsyslogd cannot run (${r.error.message}): apt-get install rsyslog`);
  if (r.status !== 0) fail(`rsyslogd failed: ${r.stderr}`);
  if (!poll(10_000, () => fs.existsSync(LOG_SOCKET))) fail('rsyslogd did not make its socket');
}

/**
 * Runs its arguments ("$@" after SOCKET DIR) in a mount namespace of their own where /dev/log is
 * SOCKET: bound over the machine's /dev/log, or, where there is none, in an overlay of /dev
 * whose upper layer (a tmpfs of that namespace, in DIR) holds only the link "log"; /dev's own
 * mounts (pts, shm…) are bound back on top. Nothing outside the namespace changes.
 */
const LOG_NAMESPACE = `set -e
if [ -e /dev/log ]; then mount --bind "$0" /dev/log
else
  mount -t tmpfs -o mode=0755 chos-devlog "$1"
  mkdir "$1/upper" "$1/work" "$1/dev"
  ln -s "$0" "$1/upper/log"
  mount --rbind /dev "$1/dev"
  mount -t overlay chos-dev -o "lowerdir=/dev,upperdir=$1/upper,workdir=$1/work" /dev
  for m in $(awk '$5 ~ "^/dev/[^/]+$" { print substr($5, 6) }' /proc/self/mountinfo | sort -u); do mount --rbind "$1/dev/$m" "/dev/$m"; done
fi
shift
exec "$@"`;

/** Starts (or restarts) the whole cluster with `plugstack`; throws with the daemons' logs. */
export function startCluster(plugstack: string): void {
  stopCluster();
  for (const d of [STATE, SPOOL, LOG, DEV_LOG_DIR, path.dirname(MUNGE_SOCKET), path.dirname(SLURM_CONF)]) fs.mkdirSync(d, { recursive: true, mode: 0o755 });
  fs.chmodSync(SLURM, 0o755);
  startRsyslogd();
  const key = path.join(SLURM, 'munge.key');
  if (!fs.existsSync(key)) {
    const r = run('mungekey', ['--create', '--keyfile', key]);
    if (r.status !== 0) fail(`mungekey failed: ${r.stderr}`);
  }
  fs.chmodSync(key, 0o600);
  fs.chmodSync(path.dirname(MUNGE_SOCKET), 0o755);
  write(SLURM_CONF, slurmConf());
  writePlugstack(plugstack);
  const m = run('munged', [
    '--force', `--socket=${MUNGE_SOCKET}`, `--key-file=${key}`, `--pid-file=${PIDS.munged}`,
    `--log-file=${path.join(LOG, 'munged.log')}`, `--seed-file=${path.join(SLURM, 'munge.seed')}`,
  ]);
  if (m.status !== 0) fail(`munged failed: ${m.stderr}`);
  if (!poll(10_000, () => fs.existsSync(MUNGE_SOCKET))) fail('munged did not make its socket');
  const env = { ...process.env, SLURM_CONF };
  // -c: a clean start, no state of an earlier run.
  const c = spawnSync('slurmctld', ['-c', '-f', SLURM_CONF], { encoding: 'utf8', env, timeout: 30_000 });
  if (c.status !== 0) fail(`slurmctld failed: ${c.stderr}`);
  startSlurmd();
}

/**
 * (Re)starts slurmd alone, e.g. after the plugin stack changed; the controller stays. slurmd
 * runs in a mount namespace of its own (for /dev/log): it does not see the generations a later
 * `chosctl setup` mounts (setup makes its mounts private), so a test that runs setup restarts it.
 */
export function restartSlurmd(plugstack: string): void {
  stopPid(PIDS.slurmd);
  writePlugstack(plugstack);
  startSlurmd();
}

function startSlurmd(): void {
  const env = { ...process.env, SLURM_CONF };
  const d = spawnSync('unshare', ['--mount', '--propagation', 'slave', 'sh', '-c', LOG_NAMESPACE, LOG_SOCKET, DEV_LOG_DIR,
    'slurmd', '-f', SLURM_CONF], { encoding: 'utf8', env, timeout: 30_000 });
  if (d.status !== 0) fail(`slurmd failed: ${d.stderr}`);
  const idle = (): boolean => {
    const r = run('sinfo', ['-h', '-N', '-o', '%T'], { env });
    return r.status === 0 && /^(idle|mixed|allocated)/.test(r.stdout.trim());
  };
  if (!poll(40_000, idle)) {
    // A node left down by an earlier run comes back with an update.
    run('scontrol', ['update', `NodeName=${NODE}`, 'State=RESUME'], { env });
    if (!poll(10_000, idle)) fail(`node ${NODE} did not become idle`);
  }
}

function stopPid(file: string): void {
  const pid = pidOf(file);
  if (pid === undefined || !alive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  if (!poll(15_000, () => !alive(pid))) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    poll(5_000, () => !alive(pid));
  }
}

/** Stops slurmd, slurmctld, munged and rsyslogd by the PIDs they recorded. */
export function stopCluster(): void {
  stopPid(PIDS.slurmd);
  stopPid(PIDS.slurmctld);
  stopPid(PIDS.munged);
  stopPid(PIDS.rsyslogd);
}

/** Every process of the test user still alive (none should outlive its job). */
export function userProcesses(): string[] {
  const r = run('ps', ['-u', USER, '-o', 'pid=,args=']);
  return r.stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '');
}

// Manual use: node build/test/e2e/slurm-cluster.js start|stop [plugstack line]
if (require.main === module) {
  const [cmd, ...rest] = process.argv.slice(2);
  if (cmd === 'start') startCluster(rest.length ? `${rest.join(' ')}\n` : '');
  else if (cmd === 'stop') stopCluster();
  else console.error('usage: slurm-cluster start [plugstack line] | stop');
}
