// `chosctl`: the administrator's command (setup, teardown, status). I/O.

import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ChosError, Exit } from '../errors.js';
import { setup, teardown } from '../prepare/setup.js';
import { DEFAULT_RUN_DIR, isStale, readCatalog } from '../state/catalog.js';
import { VERSION } from '../version.js';
import { runCheck } from '../checks/run-check.js';
import { runDoctor } from '../checks/doctor.js';
import { type Io, processIo } from './io.js';
import { report } from './report.js';
import { DEFAULT_STORE } from '../images/store.js';
import { pruneStore } from '../images/prune.js';
import { remove } from '../images/remove.js';
import { createCommand } from './create-command.js';
import { loadConfig } from '../host/config-files.js';
import { DROP_IN, installSshdConfig, renderSshdConfig } from './sshd-config.js';
import { installSlurmConfig } from './slurm-config.js';
import { DEFAULT_PLUGIN, parseMode, plugstackPath, renderPlugstackLine } from '../config/plugstack.js';
import { listCommand } from './list-command.js';
import { misplacedOption } from './options.js';
import { runCommandAsync } from './run.js';
import { escapeControl } from '../text/escape.js';

export const CHOSCTL_USAGE = `Usage: chosctl COMMAND [OPTION...]

Administer the chos environments of this host.

Commands:
  setup      check /etc/chos, /etc/sysconfig/chos and each tree's /etc/chos.conf, prepare every
             environment, and publish them atomically (sessions already running are not
             disturbed). Run it again after any change. Needs root.
  teardown   remove what setup prepared; generations that sessions still run in are kept
             until a later teardown or setup finds them unused. Needs root.
  status     show whether setup has run, when, and whether /etc/chos changed since.
  check [NAME...]
             report every problem of the configuration and of each tree (or the named ones),
             each with file:line and a hint: ownership and permissions, /bin/sh and the
             users' shells, identity files, setuid files, the C library's minimum kernel
             against the running one, the architecture.
  doctor     check this host: unshare, user namespaces (sysctls, AppArmor), whether setup is
             current, the entry mode (ENTRY=userns or setuid), and enter each environment for real.
  create NAME --debootstrap SUITE [--variant V] [--mirror URL]
  create NAME --mmdebstrap SUITE [--variant V] [--mirror URL]
  create NAME --from-tar FILE
  create NAME --from-oci PATH [--ref TAG]
  create NAME --pull REF [--insecure] [--auth-file FILE] [--auth-realm HOST] [--verify-key KEY]
             build an OS tree (debootstrap or mmdebstrap, or a rootfs tarball — plain, gzip, xz or zstd —
             vetted and extracted in a sandbox that can write only the staging directory; or an
             OCI image layout, as a directory or archive, or a docker save archive: every blob
             checked against its digest and size, layers applied in order with whiteouts; or
             an image pulled from a registry, e.g. registry.example.org:5000/team/img:tag or
             …@sha256:…, resolved to this host's platform, blobs verified as they stream and
             kept in a cache beside the store),
             publish it atomically under the store, register it in /etc/chos.d/NAME.conf,
             and run setup. Device nodes are dropped; setuid/setgid bits too unless
             --keep-setuid. Ctrl-C or a crash before registration leaves nothing; the next
             run removes what it left in staging. If setup refuses the result, the
             registration is undone.
  update NAME
             build NAME again from its recorded source and swap it in; sessions running in
             the old tree keep it until they end. A pull whose reference still names the
             same image changes nothing ("up to date").
  remove NAME
             unregister an environment chosctl created; its tree is deleted once nothing uses it.
  list       the environments of the configuration, with the file defining each and, for
             those chosctl created, their source (--json: as JSON).
  sshd-config
             print the sshd configuration that puts ssh, scp, sftp and rsync sessions into the
             user's chosen environment; with --install write it to
             /etc/ssh/sshd_config.d/chos.conf and check it with sshd -t. Then reload sshd.
  slurm-config
             print the plugstack.conf line that loads chos's Slurm plugin (--mode user|root,
             --plugin PATH); with --install write it into the plugstack.conf beside the
             slurm.conf named by SLURM_CONF (else /etc/slurm), replacing an earlier chos line.
  help       print this help;  version  print the version

Options:
  --config FILE      the environment list (default: CHOS= in /etc/sysconfig/chos, else /etc/chos)
  --sysconfig FILE   the site settings (default: /etc/sysconfig/chos; may be absent)
  --run-dir DIR      where prepared environments live (default: /run/chos, or $CHOS_RUN_DIR)
  --dry-run          (setup) print the mount operations instead of performing them
  --json             (check, doctor) print the findings as JSON; (list) the rows
  --group GROUP      (sshd-config) move only members of GROUP (default: every user but root)
  --login PATH       (sshd-config) chos-login as sshd should run it (default: this installation's)
  --install          (sshd-config) write and check the drop-in; (slurm-config) write plugstack.conf
  --mode MODE        (slurm-config) user (a user namespace, default) or root (entered before Slurm
                     drops to the user)
  --plugin PATH      (slurm-config) the plugin (default /usr/local/lib/chos/chos_spank.so)
  --store DIR        (create, update, remove, setup) where created trees live (default
                     $CHOS_STORE, else /var/lib/chos/envs; mode 0700); setup deletes the trees
                     registered for this configuration that nothing uses any more
  --variant V        (create --debootstrap/--mmdebstrap) the bootstrapper's --variant, e.g. minbase
  --mirror URL       (create --debootstrap/--mmdebstrap) the Debian mirror (http or https)
  --keep-setuid      (create, update) keep setuid/setgid bits and file capabilities (update:
                     default is what create recorded)
  --ref TAG          (create --from-oci) the image of the layout tagged TAG (its ref.name)
  --insecure         (create --pull) plain HTTP to a registry that is not on loopback
                     (127.0.0.0/8, localhost and ::1 always may use it, as Docker does)
  --auth-file FILE   (create --pull) credentials in Docker's config.json format (default:
                     ~/.docker/config.json when it exists); Basic and Bearer-token auth; the
                     credentials go only to the registry's own host
  --auth-realm HOST  (create --pull; repeatable) also send them to the token service (realm) on
                     HOST, over HTTPS only (e.g. auth.docker.io for Docker Hub); recorded
  --verify-key KEY   (create --pull) refuse the image unless a cosign signature of it, stored in
                     the registry under sha256-<digest>.sig, verifies with this public key (PEM);
                     recorded, so update checks it again
  --max-size SIZE    (create, update) refuse an archive or layer holding more than SIZE of
                     file content, or decompressing to much more (default 64G; e.g. 20G)
  --max-entries N    (create, update) refuse an archive or layer of more than N entries
                     (default 2000000). Both are recorded: update applies them again
  --quiet, --json    (create, update) print nothing, or one JSON line, instead of steps
  --no-setup         (create, update) register only; the next chosctl setup prepares it

Examples:
  chosctl setup
  chosctl setup --dry-run
  chosctl status
  chosctl check debian11 --json
  chosctl create debian11 --debootstrap bullseye --variant minbase
  chosctl create site --from-tar /srv/images/site-rootfs.tar.zst
  chosctl create rocky9 --pull registry.example.org/base/rocky:9

Exit status: 0 done; 130/143 (create, update) interrupted; 1 (status) /etc/chos changed since the last setup, (check, doctor)
warnings only; 2 usage error; 3 (check, doctor) errors found;
125 the configuration or the preparation failed, nothing was changed (status: chos is not set
up; a full disk or a denied permission is named with its path); 141 standard output was closed
(| head). See chosctl(8).
`;

export function chosctlMain(argv: readonly string[], io: Io = processIo(), launcher = defaultLauncher()): Promise<number> {
  return runCommandAsync('chosctl', io, async () => {
    let parsed;
    try {
      parsed = parseArgs({
        args: [...argv],
        options: {
          config: { type: 'string' },
          sysconfig: { type: 'string' },
          'run-dir': { type: 'string' },
          'dry-run': { type: 'boolean' },
          json: { type: 'boolean' },
          group: { type: 'string' },
          mode: { type: 'string' },
          plugin: { type: 'string' },
          debootstrap: { type: 'string' },
          mmdebstrap: { type: 'string' },
          variant: { type: 'string' },
          mirror: { type: 'string' },
          'from-tar': { type: 'string' },
          'from-oci': { type: 'string' },
          pull: { type: 'string' },
          insecure: { type: 'boolean' },
          'auth-file': { type: 'string' },
          'auth-realm': { type: 'string', multiple: true },
          'verify-key': { type: 'string' },
          ref: { type: 'string' },
          store: { type: 'string' },
          'keep-setuid': { type: 'boolean' },
          'max-size': { type: 'string' },
          'max-entries': { type: 'string' },
          quiet: { type: 'boolean', short: 'q' },
          'no-setup': { type: 'boolean' },
          login: { type: 'string' },
          install: { type: 'boolean' },
          help: { type: 'boolean', short: 'h' },
          version: { type: 'boolean' },
        },
        allowPositionals: true,
        strict: true,
      });
    } catch (e) {
      throw new ChosError('usage', (e as Error).message, { hint: "run 'chosctl help'" });
    }
    const { values, positionals } = parsed;
    const command = values.help ? 'help' : values.version ? 'version' : positionals[0];
    if (positionals.length > 1 && command !== 'check' && !['create', 'update', 'remove'].includes(command ?? '')) {
      throw new ChosError('usage', `unexpected argument "${positionals[1]}"`, { hint: "run 'chosctl help'" });
    }
    const misplaced = command === undefined ? undefined : misplacedOption(command, Object.keys(values));
    if (misplaced) {
      throw new ChosError('usage', misplaced, {
        hint: command === 'update' ? 'update rebuilds from the recorded source and options; to change them, remove and create again' : "run 'chosctl help'",
      });
    }
    const runDir = values['run-dir'] ?? (io.env['CHOS_RUN_DIR'] || DEFAULT_RUN_DIR);
    switch (command) {
      case 'help':
      case undefined:
        io.out(CHOSCTL_USAGE);
        return command === undefined ? Exit.usage : Exit.ok;
      case 'version':
        io.out(`chosctl ${VERSION}\n`);
        return Exit.ok;
      case 'setup': {
        const r = setup({
          chosFile: values.config,
          sysconfigFile: values.sysconfig,
          runDir,
          launcher,
          dryRun: values['dry-run'] ?? false,
          log: (l) => io.out(`chosctl: ${l}\n`),
        });
        for (const w of r.warnings) io.err(`chosctl: warning: ${w}\n`);
        if (r.script === undefined) {
          pruneStore(values.store ?? (io.env['CHOS_STORE'] || DEFAULT_STORE), r.catalog.configFile, runDir, (l) => io.out(`chosctl: ${l}\n`));
        }
        if (r.script !== undefined) io.out(r.script);
        else io.out(`chosctl: ready: ${r.catalog.environments.map((e) => e.name).join(', ') || '(no environments)'}\n`);
        return Exit.ok;
      }
      case 'teardown':
        teardown(runDir, (l) => io.out(`chosctl: ${l}\n`));
        return Exit.ok;
      case 'status':
        return status(io, runDir);
      case 'check':
        return report(io, runCheck({ chosFile: values.config, sysconfigFile: values.sysconfig }, positionals.slice(1)), values.json ?? false);
      case 'create':
      case 'update':
        return createCommand(command, positionals[1], values, io, runDir, launcher);
      case 'remove': {
        const name = positionals[1];
        if (!name) throw new ChosError('usage', 'chosctl remove needs a NAME', { hint: "run 'chosctl help'" });
        const chosFile = loadConfig({ chosFile: values.config, sysconfigFile: values.sysconfig }).chosFile;
        const store = values.store ?? (io.env['CHOS_STORE'] || DEFAULT_STORE);
        const log = (l: string): void => io.out(`chosctl: ${l}\n`);
        remove(name, chosFile, store, runDir, () => {
          setup({ chosFile, sysconfigFile: values.sysconfig, runDir, launcher, log });
        }, log);
        return Exit.ok;
      }
      case 'list':
        return listCommand(io, { config: values.config, sysconfig: values.sysconfig, store: values.store ?? (io.env['CHOS_STORE'] || DEFAULT_STORE), json: values.json ?? false });
      case 'sshd-config': {
        const text = renderSshdConfig({ group: values.group, login: values.login ?? path.join(path.dirname(launcher), 'chos-login') });
        if (values.install) {
          installSshdConfig(text);
          io.out(`chosctl: wrote ${DROP_IN}; sshd -t accepts it. Reload sshd to apply it.\n`);
        } else {
          io.out(text);
        }
        return Exit.ok;
      }
      case 'slurm-config': {
        const line = renderPlugstackLine({ mode: parseMode(values.mode), plugin: values.plugin ?? DEFAULT_PLUGIN, runDir });
        if (!values.install) return (io.out(line), Exit.ok);
        installSlurmConfig(line, plugstackPath(io.env));
        io.out(`chosctl: wrote ${plugstackPath(io.env)}; restart slurmd on every node to apply it.\n`);
        return Exit.ok;
      }
      case 'doctor':
        return report(io, runDoctor({ runDir, launcher, home: io.env['HOME'], env: { ...io.env } }), values.json ?? false);
      default:
        throw new ChosError('usage', `unknown command "${command}"`, { hint: "run 'chosctl help'" });
    }
  });
}

function status(io: Io, runDir: string): number {
  const catalog = readCatalog(runDir);
  if (!catalog) {
    io.out(`chos is not set up (${runDir}/current is missing); run 'chosctl setup'\n`);
    return Exit.failed;
  }
  const stale = isStale(catalog);
  io.out(`set up ${catalog.created ?? 'at an unknown time'} (${catalog.generation}) from ${catalog.configFile}`);
  io.out(stale ? ' — the file changed since: run chosctl setup\n' : '\n');
  for (const e of catalog.environments) {
    io.out(`  ${escapeControl(e.name)}\t${escapeControl(e.aliasOf ? `-> ${e.aliasOf}` : e.path)}\t${escapeControl(e.prettyName ?? '')}\n`);
  }
  return stale ? Exit.warnings : Exit.ok;
}

/** bin/chos next to this installation's dist/ directory. */
function defaultLauncher(): string {
  return path.resolve(__dirname, '..', 'bin', 'chos');
}
