/**
 * A real Samba Active Directory domain controller for integration tests.
 *
 * The domain is provisioned once per process (`samba-tool domain provision`, about 5 s) into a
 * template folder; each DC started gets a copy of it (about 0.1 s) with its smb.conf paths
 * rewritten, so every test file gets a fresh, empty domain. `samba -i -M single`, with only
 * the LDAP, CLDAP, Kerberos and RPC services, runs in the foreground as one child process; it exits by itself when its stdin (a pipe from this process)
 * closes, and an exit handler kills it too, so a DC is never left running.
 *
 * Only one DC can listen on 127.0.0.1:636 at a time. A cross-process lock file under
 * os.tmpdir() (holding the owner's pid; a lock left by a dead pid is recovered) serialises the
 * DCs of concurrent test files: startSambaDc waits for it. The lock is held from startSambaDc
 * until stop(); kill() keeps it, since a test that kills the DC means to start() it again.
 *
 * TLS: Samba makes its own CA and a host certificate on first start, issued for
 * `<NETBIOS NAME>.<realm>` (here `DC1.example.test`, CN only, no subjectAltName). We connect to
 * 127.0.0.1 with `servername` set to that name, so both the chain (trusting `caFile`) and the
 * host name are verified; Node falls back to the CN when a certificate has no subjectAltName.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { cp, link, open, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { Client } from 'ldapts';

export interface SambaDc {
  /** `ldaps://127.0.0.1:636` */
  url: string;
  /** The CA Samba generated (`<dir>/private/tls/ca.pem`): trust it, do not turn checks off. */
  caFile: string;
  /** The name the DC's certificate is issued for: pass it as `tlsOptions.servername`. */
  servername: string;
  /** `DC=example,DC=test` */
  baseDn: string;
  /** `Administrator@EXAMPLE.TEST` */
  bindDn: string;
  password: string;
  realm: string;
  /** The DC's folder: `etc/smb.conf`, `private/`, and `samba.log` (its output). */
  dir: string;
  /** SIGTERM, wait for the exit, SIGKILL after 10 s; releases the lock. */
  stop(): Promise<void>;
  /** SIGKILL now (a DC dying mid-run); keeps the lock for a start() that follows. */
  kill(): Promise<void>;
  /** Starts the same domain again (data kept) and waits until it is ready. */
  start(): Promise<void>;
}

/** How long the last provisioning, copy and start took, in ms (for reports). */
export const sambaTimings: { provisionMs?: number; copyMs?: number; startMs?: number } = {};

const HOST = '127.0.0.1';
const PORT = 636;
const NETBIOS = 'DC1';
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;
const LOCK_WAIT_MS = Number(process.env['ORGSYNC_SAMBA_LOCK_WAIT_MS'] ?? 110_000);
const LOCK_FILE = join(tmpdir(), `orgsync-samba-${PORT}.lock`);
const KEEP = process.env['ORGSYNC_KEEP_SAMBA'] === '1';

// ---------------------------------------------------------------------------------------------
// Cleanup on exit: kill every DC's process group, release our lock, remove our folders.

const running = new Set<ChildProcess>();
const ownedDirs = new Set<string>();
/** The DC of this process holding the lock, if any. */
let lockOwner: object | undefined;

process.on('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
  if (lockOwner) {
    try {
      if (readFileSync(LOCK_FILE, 'utf8').trim() === String(process.pid)) unlinkSync(LOCK_FILE);
    } catch {}
  }
  if (!KEEP) for (const dir of ownedDirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * A folder under os.tmpdir() owned by this process. Vitest ends its workers with a signal, so
 * the exit handler does not always run: folders whose owner died are swept on the next start.
 */
function ownedDir(prefix: string): string {
  if (ownedDirs.size === 0 && !KEEP) sweepStaleDirs();
  const base = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(base, 'owner.pid'), String(process.pid));
  ownedDirs.add(base);
  return base;
}

function sweepStaleDirs(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith('orgsync-samba-')) continue;
    const base = join(tmpdir(), name);
    let owner: number;
    try {
      owner = Number(readFileSync(join(base, 'owner.pid'), 'utf8'));
    } catch {
      continue; // not one of ours (or the lock file)
    }
    if (!pidAlive(owner)) rmSync(base, { recursive: true, force: true });
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal); // samba and whatever it forks (detached: its own group)
  } catch {}
}

// ---------------------------------------------------------------------------------------------
// Provisioning: once per process and realm, into a template that each DC copies.

const templates = new Map<string, Promise<{ dir: string; password: string }>>();

function provisionTemplate(realm: string): Promise<{ dir: string; password: string }> {
  let t = templates.get(realm);
  if (!t) {
    t = provision(realm);
    templates.set(realm, t);
  }
  return t;
}

/** Paths Samba would otherwise put under /run/samba and /var/lib/samba, shared by all DCs. */
function localPathOptions(dir: string): string[] {
  return [
    `pid directory=${dir}/run`,
    `ncalrpc dir=${dir}/run/ncalrpc`,
    `winbindd socket directory=${dir}/run/winbindd`,
    `ntp signd socket directory=${dir}/run/ntp_signd`,
    `log file=${dir}/log/log.%m`,
  ];
}

async function provision(realm: string): Promise<{ dir: string; password: string }> {
  const base = ownedDir('orgsync-samba-template-');
  const dir = join(base, 'dc');
  // Complexity rules: upper, lower, digit and a symbol; base64url adds length and entropy.
  const password = `Oo7#${randomBytes(15).toString('base64url')}`;
  const args = [
    'domain',
    'provision',
    `--realm=${realm}`,
    `--domain=${realm.split('.')[0]!}`,
    '--server-role=dc',
    '--dns-backend=NONE',
    `--adminpass=${password}`,
    '--use-rfc2307',
    `--targetdir=${dir}`,
    // A fixed name, so the certificate's name does not depend on the machine's host name
    // (which may also be longer than the 15 characters NetBIOS allows).
    `--host-name=${NETBIOS.toLowerCase()}`,
    `--option=netbios name=${NETBIOS}`,
    '--option=interfaces=lo',
    '--option=bind interfaces only=yes',
    // Only what a directory client needs: LDAP (389, 636, 3268, 3269), CLDAP, Kerberos and
    // RPC, all in the one samba process. The default list also starts smbd and winbindd
    // (file serving, NetBIOS, replication, DNS updates): 360 MB instead of 55 MB resident.
    '--option=server services=ldap cldap kdc rpc',
    ...localPathOptions(dir).map((o) => `--option=${o}`),
  ];
  const t0 = performance.now();
  const r = await run('samba-tool', args);
  sambaTimings.provisionMs = Math.round(performance.now() - t0);
  if (r.code !== 0) {
    throw new Error(`samba-tool domain provision failed (exit ${r.code}):\n${tail(r.output, 40)}`);
  }
  return { dir, password };
}

function run(cmd: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

// ---------------------------------------------------------------------------------------------
// The cross-process lock for port 636.

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function acquireLock(owner: object): Promise<void> {
  if (lockOwner === owner) return;
  if (lockOwner) {
    throw new Error('samba: this process already runs a DC; stop() it before starting another');
  }
  const deadline = Date.now() + LOCK_WAIT_MS;
  let holder = '';
  for (;;) {
    try {
      const fh = await open(LOCK_FILE, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      lockOwner = owner;
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    holder = (await readFile(LOCK_FILE, 'utf8').catch(() => '')).trim();
    const pid = Number(holder);
    if (holder === '') {
      // Just created and not yet written, or just removed: look again shortly, but a file
      // left empty by a crash must not block forever.
      const age = await stat(LOCK_FILE).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > 5_000) await recoverStale('');
    } else if (!pidAlive(pid)) {
      await recoverStale(holder);
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `samba: waited ${LOCK_WAIT_MS} ms for ${LOCK_FILE} (held by pid ${holder}): another test ` +
          `process runs a DC on ${HOST}:${PORT}. Run the AD test files one at a time.`,
      );
    }
    await sleep(200);
  }
}

/** Moves a stale lock aside; if it turned out to be a live one taken meanwhile, puts it back. */
async function recoverStale(expected: string): Promise<void> {
  const aside = `${LOCK_FILE}.stale.${process.pid}`;
  try {
    await rename(LOCK_FILE, aside);
  } catch {
    return; // someone else recovered it
  }
  const moved = (await readFile(aside, 'utf8').catch(() => '')).trim();
  if (moved !== expected && pidAlive(Number(moved))) {
    await link(aside, LOCK_FILE).catch(() => {});
  }
  await unlink(aside).catch(() => {});
}

async function releaseLock(owner: object): Promise<void> {
  if (lockOwner !== owner) return;
  lockOwner = undefined;
  const holder = (await readFile(LOCK_FILE, 'utf8').catch(() => '')).trim();
  if (holder === String(process.pid)) await unlink(LOCK_FILE).catch(() => {});
}

// ---------------------------------------------------------------------------------------------
// Starting and waiting.

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

async function logTail(dir: string): Promise<string> {
  const log = await readFile(join(dir, 'samba.log'), 'utf8').catch(() => '(no samba.log)');
  return tail(log, 30);
}

/** True if something accepts TCP connections on 127.0.0.1:port. */
function portBusy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = netConnect({ host: HOST, port });
    s.setTimeout(1_000);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('timeout', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** The CN the DC's certificate is issued for (it has no subjectAltName). */
function certificateName(dir: string): string {
  const cert = new X509Certificate(readFileSync(join(dir, 'private/tls/cert.pem')));
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1];
  if (!cn) throw new Error(`samba: no CN in the certificate subject ${JSON.stringify(cert.subject)}`);
  return cn;
}

/** A verified TLS handshake with the DC (chain against ca.pem, host name against the CN). */
function tlsHandshake(ca: Buffer, servername: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: HOST, port: PORT, ca: [ca], servername });
    s.setTimeout(5_000, () => s.destroy(new Error('TLS handshake timed out')));
    s.once('secureConnect', () => {
      s.end();
      resolve();
    });
    s.once('error', reject);
  });
}

export async function startSambaDc(opts: { realm?: string } = {}): Promise<SambaDc> {
  const realm = (opts.realm ?? 'EXAMPLE.TEST').toUpperCase();
  if (lockOwner) throw new Error('samba: this process already runs a DC; stop() it before starting another');
  const template = await provisionTemplate(realm);

  const base = ownedDir('orgsync-samba-');
  const dir = join(base, 'dc');
  const t0 = performance.now();
  // fs.cp does not copy extended attributes: the sysvol folders lose their NT ACLs
  // (security.NTACL), which only SMB access to sysvol would notice, not LDAP.
  await cp(template.dir, dir, { recursive: true });
  const conf = join(dir, 'etc/smb.conf');
  const text = await readFile(conf, 'utf8');
  await writeFile(conf, text.split(template.dir).join(dir));
  sambaTimings.copyMs = Math.round(performance.now() - t0);

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const dc: SambaDc = {
    url: `ldaps://${HOST}:${PORT}`,
    caFile: join(dir, 'private/tls/ca.pem'),
    servername: '',
    baseDn: realm
      .split('.')
      .map((p) => `DC=${p.toLowerCase()}`)
      .join(','),
    bindDn: `Administrator@${realm}`,
    password: template.password,
    realm,
    dir,

    async start() {
      if (child) throw new Error('samba: this DC is already running');
      await acquireLock(dc);
      try {
        await launch();
      } catch (e) {
        await dc.kill();
        await releaseLock(dc);
        throw e;
      }
    },

    async kill() {
      const c = child;
      if (!c) return;
      killGroup(c, 'SIGKILL');
      const keepAlive = setTimeout(() => {}, STOP_GRACE_MS); // the child is unref'd
      await exited;
      clearTimeout(keepAlive);
    },

    async stop() {
      const c = child;
      if (c) {
        c.kill('SIGTERM');
        const timer = setTimeout(() => killGroup(c, 'SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
        killGroup(c, 'SIGKILL'); // smbd or winbindd, should one outlive samba
      }
      await releaseLock(dc);
    },
  };

  async function launch(): Promise<void> {
    // 389 too: Samba gives up its LDAP service when it cannot listen there (a system slapd?).
    for (const port of [PORT, 389]) {
      if (await portBusy(port)) {
        throw new Error(
          `samba: ${HOST}:${port} is already in use, by a process this harness did not start ` +
            `(another Samba DC, or a system slapd?). See: ss -ltnp 'sport = :${port}'`,
        );
      }
    }
    const t = performance.now();
    const logFd = openSync(join(dir, 'samba.log'), 'a');
    // -i: foreground, log to stdout, and exit when stdin closes (so also when we die).
    // -M single: one process for all services (the default model forks one per service).
    const c = spawn('samba', ['-s', conf, '-i', '-M', 'single'], {
      stdio: ['pipe', logFd, logFd],
      detached: true, // its own process group, so kill() reaches smbd and winbindd too
    });
    closeSync(logFd);
    child = c;
    running.add(c);
    let exitInfo: string | undefined;
    exited = new Promise((resolve) => {
      const gone = (info: string) => {
        exitInfo ??= info;
        running.delete(c);
        if (child === c) child = undefined;
        resolve();
      };
      c.once('exit', (code, signal) => gone(`exit code ${code}, signal ${signal}`));
      c.once('error', (e) => gone(`spawn error: ${e.message}`));
    });
    c.unref();
    (c.stdin as unknown as { unref?: () => void } | null)?.unref?.();

    const deadline = Date.now() + READY_TIMEOUT_MS;
    let lastError = 'not started';
    for (;;) {
      if (exitInfo) {
        throw new Error(`samba exited while starting (${exitInfo}). samba.log:\n${await logTail(dir)}`);
      }
      if (Date.now() > deadline) {
        throw new Error(
          `samba: not ready after ${READY_TIMEOUT_MS} ms (${lastError}). samba.log:\n${await logTail(dir)}`,
        );
      }
      try {
        if (!existsSync(dc.caFile) || !existsSync(join(dir, 'private/tls/cert.pem'))) {
          throw new Error('no TLS certificate yet');
        }
        dc.servername = certificateName(dir);
        await tlsHandshake(readFileSync(dc.caFile), dc.servername);
        const client = await ldapClient(dc);
        await client.unbind();
        break;
      } catch (e) {
        lastError = (e as Error).message;
        await sleep(100);
      }
    }
    sambaTimings.startMs = Math.round(performance.now() - t);
    // Samba made its CA, key and certificate on this first start (4096-bit RSA keys, about
    // 1.5 s): the next DCs of this process get them with the template.
    const templateTls = join(template.dir, 'private/tls');
    if (!existsSync(join(templateTls, 'ca.pem'))) {
      await cp(join(dir, 'private/tls'), templateTls, { recursive: true });
    }
  }

  try {
    await dc.start();
  } catch (e) {
    // The error holds the tail of samba.log; ORGSYNC_KEEP_SAMBA=1 keeps the whole folder.
    if (!KEEP) {
      ownedDirs.delete(base);
      await rm(base, { recursive: true, force: true });
    }
    throw e;
  }
  return dc;
}

/** An ldapts client bound as Administrator over LDAPS, verifying the DC's certificate. */
export async function ldapClient(dc: SambaDc): Promise<Client> {
  const client = new Client({
    url: dc.url,
    connectTimeout: 5_000,
    tlsOptions: { ca: [readFileSync(dc.caFile)], servername: dc.servername },
  });
  try {
    await client.bind(dc.bindDn, dc.password);
  } catch (e) {
    await client.unbind().catch(() => {});
    throw e;
  }
  return client;
}
