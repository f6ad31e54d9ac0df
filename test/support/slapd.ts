/**
 * A real OpenLDAP server (Debian's slapd) for integration tests: started unprivileged from a
 * temp folder with a small slapd.conf (core, cosine and inetorgperson schemas, back_mdb), on
 * a free port of 127.0.0.1, in a few tens of milliseconds. Each call starts its own server
 * holding only the suffix entry, so test files never share a directory.
 *
 * slapd runs in the foreground (`-d 0`) under a small `sh` watchdog that reads its stdin, a
 * pipe from this process. When the pipe closes, the watchdog stops slapd and removes the
 * folder. That happens on stop(), and also when this process ends in any way: vitest ends its
 * workers with a signal, which skips exit handlers, but the kernel still closes the pipe. An
 * exit handler kills the server and removes the folder as well, for a normal exit.
 *
 * With `tls: true` the helper makes a CA and a certificate for 127.0.0.1 and `localhost` with
 * the openssl command (EC keys, so no waiting for primes), and slapd serves StartTLS on the
 * ldap:// port and LDAPS on a second one. Clients trust `caFile`.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'ldapts';
import { freePort } from './ports.js';

export interface Slapd {
  /** `ldap://127.0.0.1:<port>` (StartTLS offered with `tls: true`). */
  url: string;
  /** `ldaps://127.0.0.1:<port>`, with `tls: true`. */
  ldapsUrl?: string;
  /** The CA that issued the server's certificate (PEM), with `tls: true`. */
  caFile?: string;
  /** `dc=example,dc=test`: exists, holds nothing yet. */
  suffix: string;
  rootDn: string;
  rootPassword: string;
  /** The server's folder: slapd.conf, db/, slapd.log. Removed by stop(). */
  dir: string;
  /** How long the start took, in ms (for reports). */
  startMs: number;
  /** A client bound as the root DN over plain LDAP; the caller unbinds it. */
  client(): Promise<Client>;
  /** Stops the server (SIGTERM; SIGKILL after 5 s) and removes its folder. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const SLAPD = process.env['ORGSYNC_SLAPD'] ?? '/usr/sbin/slapd';
const READY_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 5_000;
const execFileAsync = promisify(execFile);

/**
 * The watchdog. $1 slapd, $2 slapd.conf, $3 the URLs to listen on, $4 the folder. slapd runs
 * in the background; a reader waits for stdin (fd 3) to close, then marks the folder for
 * removal and stops slapd. When slapd exits for any other reason (a port taken), the folder
 * stays, so the caller can read slapd.log.
 */
const WATCHDOG = [
  'exec 3<&0 </dev/null',
  '"$1" -d 0 -f "$2" -h "$3" 2>>"$4/slapd.log" &',
  'p=$!',
  '{ read -r _ <&3 || :; : >"$4/closed"; kill $p 2>/dev/null; } &',
  'wait $p',
  's=$?',
  '[ -e "$4/closed" ] && rm -rf "$4"',
  'exit $s',
].join('\n');

interface Running {
  child: ChildProcess;
  dir: string;
  exited: Promise<void>;
  hasExited(): boolean;
}

const running = new Set<Running>();
process.on('exit', () => {
  for (const r of running) {
    killGroup(r.child, 'SIGKILL');
    rmSync(r.dir, { recursive: true, force: true });
  }
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal); // the watchdog, its reader and slapd: their own group
  } catch {}
}

function slapdConf(dir: string, suffix: string, rootDn: string, rootPassword: string, tls: boolean): string {
  const tlsLines = [
    `TLSCACertificateFile ${dir}/ca.pem`,
    `TLSCertificateFile ${dir}/server.pem`,
    `TLSCertificateKeyFile ${dir}/server.key`,
  ];
  return [
    'include /etc/ldap/schema/core.schema',
    'include /etc/ldap/schema/cosine.schema',
    'include /etc/ldap/schema/inetorgperson.schema',
    `pidfile ${dir}/slapd.pid`,
    `argsfile ${dir}/slapd.args`,
    'modulepath /usr/lib/ldap',
    'moduleload back_mdb',
    ...(tls ? tlsLines : []),
    'database mdb',
    // The map is sparse: address space, not disk.
    'maxsize 67108864',
    // A test server: no fsync per write (a crash loses the folder anyway).
    'dbnosync',
    `suffix "${suffix}"`,
    `rootdn "${rootDn}"`,
    `rootpw ${rootPassword}`,
    `directory ${dir}/db`,
    'index objectClass eq',
    'index entryUUID eq',
    '',
  ].join('\n');
}

/** A throwaway CA, and a certificate signed by it for 127.0.0.1 and localhost. */
async function makeCertificates(dir: string): Promise<void> {
  // Arguments as one line each (no value holds a space), run in `dir`.
  const openssl = (line: string) => execFileAsync('openssl', line.split(' '), { cwd: dir });
  const ec = '-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes';
  await openssl(`req -x509 ${ec} -keyout ca.key -out ca.pem -days 2 -subj /CN=orgsync-test-ca`);
  await openssl(`req ${ec} -keyout server.key -out server.csr -subj /CN=localhost`);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await openssl(
    'x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile san.ext',
  );
}

function launch(dir: string, conf: string, urls: string[]): Running {
  const child = spawn('sh', ['-c', WATCHDOG, 'slapd-watchdog', SLAPD, conf, urls.join(' '), dir], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  let gone = false;
  const exited = new Promise<void>((resolve) => {
    const done = () => {
      gone = true;
      resolve();
    };
    child.once('exit', done);
    child.once('error', done);
  });
  // The server does not keep a test process alive: its run ends when its tests do.
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  const r: Running = { child, dir, exited, hasExited: () => gone };
  running.add(r);
  return r;
}

async function bind(url: string, dn: string, password: string): Promise<Client> {
  const client = new Client({ url, connectTimeout: 2_000, timeout: 10_000 });
  try {
    await client.bind(dn, password);
  } catch (e) {
    await client.unbind().catch(() => undefined);
    throw e;
  }
  return client;
}

/** Stops a server through its watchdog (close stdin), SIGKILL after the grace period. */
async function shutdown(r: Running): Promise<void> {
  r.child.stdin?.end();
  const timer = setTimeout(() => killGroup(r.child, 'SIGKILL'), STOP_GRACE_MS);
  await r.exited;
  clearTimeout(timer);
  running.delete(r);
  rmSync(r.dir, { recursive: true, force: true });
}

async function startOnce(suffix: string, tls: boolean): Promise<Slapd> {
  const t0 = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'orgsync-slapd-'));
  const rootDn = `cn=admin,${suffix}`;
  const rootPassword = randomBytes(12).toString('base64url');
  let r: Running | undefined;
  try {
    mkdirSync(join(dir, 'db'));
    if (tls) await makeCertificates(dir);
    const conf = join(dir, 'slapd.conf');
    writeFileSync(conf, slapdConf(dir, suffix, rootDn, rootPassword, tls));
    const port = await freePort();
    const ldapsPort = tls ? await freePort() : undefined;
    const url = `ldap://${HOST}:${port}`;
    const ldapsUrl = ldapsPort === undefined ? undefined : `ldaps://${HOST}:${ldapsPort}`;
    r = launch(dir, conf, [`${url}/`, ...(ldapsUrl ? [`${ldapsUrl}/`] : [])]);
    const server = r;
    await waitReady(url, rootDn, rootPassword, server);
    await createSuffix(url, suffix, rootDn, rootPassword);
    return {
      url,
      ...(ldapsUrl ? { ldapsUrl, caFile: join(dir, 'ca.pem') } : {}),
      suffix,
      rootDn,
      rootPassword,
      dir,
      startMs: Math.round(performance.now() - t0),
      client: () => bind(url, rootDn, rootPassword),
      stop: () => shutdown(server),
    };
  } catch (e) {
    if (r) await shutdown(r);
    else rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

async function waitReady(url: string, dn: string, password: string, server: Running): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = 'not started';
  for (;;) {
    if (server.hasExited()) throw new SlapdExited(server.dir);
    if (Date.now() > deadline) throw new Error(`slapd not ready after ${READY_TIMEOUT_MS} ms: ${last}`);
    try {
      await (await bind(url, dn, password)).unbind();
      return;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

class SlapdExited extends Error {
  constructor(dir: string) {
    let log = '';
    try {
      log = readFileSync(join(dir, 'slapd.log'), 'utf8');
    } catch {}
    super(`slapd exited while starting:\n${log.trim().split('\n').slice(-20).join('\n')}`);
  }
}

async function createSuffix(url: string, suffix: string, rootDn: string, password: string): Promise<void> {
  const [type, value] = suffix.split(',')[0]!.split('=') as [string, string];
  const client = await bind(url, rootDn, password);
  try {
    await client.add(
      suffix,
      type.toLowerCase() === 'dc'
        ? { objectClass: ['top', 'dcObject', 'organization'], dc: value, o: value }
        : { objectClass: ['top', 'organizationalUnit'], ou: value },
    );
  } finally {
    await client.unbind();
  }
}

/**
 * Starts a server. A port can be taken between freePort() and slapd's bind; slapd then exits
 * and another port is tried.
 */
export async function startSlapd(opts: { suffix?: string; tls?: boolean } = {}): Promise<Slapd> {
  const suffix = opts.suffix ?? 'dc=example,dc=test';
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(suffix, opts.tls ?? false);
    } catch (e) {
      if (!(e instanceof SlapdExited) || attempt >= 3) throw e;
    }
  }
}
