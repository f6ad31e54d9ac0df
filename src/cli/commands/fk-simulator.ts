/**
 * orgsync fk-simulator: the strict local FK Organisation (connectors/fk-organisation/simulator)
 * as a service, for demos and for integrators testing against FK's contracts without access
 * to KOMBIT's test environment. Runs until interrupted; prints where it listens.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { makeClientCertificate } from '../../../connectors/fk-organisation/simulator/certs.js';
import { seedOrganisation } from '../../../connectors/fk-organisation/simulator/seed.js';
import { startFkSimulator } from '../../../connectors/fk-organisation/simulator/server.js';
import { EXIT } from '../../errors.js';
import { numberFlag as number, out, reportError, UsageError } from '../common.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Flags {
  port: string;
  latency: string;
  organisation: string;
  name: string;
  rate40: string;
  rate44: string;
  timeoutRate: string;
  lostReplyRate: string;
  seed: string;
  sts?: boolean;
  cvr: string;
  clientCert?: string;
  certDir: string;
}

/**
 * With --sts: the certificate the STS accepts for the CVR. Either the integrator's own
 * (--client-cert), or a demo certificate and key made now and written to --cert-dir.
 */
async function clientCertificate(
  flags: Flags,
): Promise<{ pem: string; files?: { cert: string; key: string } }> {
  if (flags.clientCert) return { pem: readFileSync(flags.clientCert, 'utf8') };
  const dir = resolve(flags.certDir);
  mkdirSync(dir, { recursive: true });
  const made = await makeClientCertificate(flags.cvr);
  const files = { cert: join(dir, 'client.crt'), key: join(dir, 'client.key') };
  writeFileSync(files.cert, made.certificatePem);
  writeFileSync(files.key, made.privateKeyPem, { mode: 0o600 });
  chmodSync(files.key, 0o600); // an older file keeps its mode otherwise
  return { pem: made.certificatePem, files };
}

export function registerFkSimulator(program: Command) {
  program
    .command('fk-simulator')
    .description('run a strict local FK Organisation v6 (validates every request against the XSDs)')
    .option('-p, --port <n>', 'port on 127.0.0.1', '8600')
    .option('--latency <ms>', 'added to every answer', '0')
    .option(
      '--organisation <uuid>',
      "the municipality's Organisation UUID (made on start)",
      '5d1e2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b',
    )
    .option('--name <text>', "the municipality's name", 'Demo Kommune')
    .option('--rate40 <share>', 'share of valid requests answered 40, nothing applied', '0')
    .option('--rate44 <share>', 'share of valid requests answered 44, nothing applied', '0')
    .option('--timeout-rate <share>', 'share of requests never answered', '0')
    .option('--lost-reply-rate <share>', 'share of requests carried out and never answered', '0')
    .option('--seed <n>', 'seed of the injected faults', '1')
    .option('--sts', 'also be the STS and refuse calls without a valid OIOIDWS token for --cvr')
    .option('--cvr <cvr>', "the municipality's CVR number (with --sts)", '29189838')
    .option('--client-cert <pem>', 'the system certificate the STS accepts (with --sts); default: a demo one')
    .option(
      '--cert-dir <dir>',
      'where the demo certificate and key are written (with --sts)',
      'fk-simulator-certs',
    )
    .action(async (flags: Flags) => {
      try {
        if (!UUID.test(flags.organisation)) throw new UsageError('--organisation must be a UUID');
        if (!/^\d{8}$/.test(flags.cvr)) throw new UsageError('--cvr must be 8 digits');
        const client = flags.sts ? await clientCertificate(flags) : undefined;
        const sim = await startFkSimulator({
          port: number('port', flags.port, 0, 65535),
          latencyMs: number('latency', flags.latency, 0, 600_000),
          faults: {
            rate40: number('rate40', flags.rate40, 0, 1),
            rate44: number('rate44', flags.rate44, 0, 1),
            timeoutRate: number('timeout-rate', flags.timeoutRate, 0, 1),
            lostReplyRate: number('lost-reply-rate', flags.lostReplyRate, 0, 1),
            seed: number('seed', flags.seed, 0, 2 ** 31),
          },
          ...(client ? { security: { clients: [{ cvr: flags.cvr, certificatePem: client.pem }] } } : {}),
        });
        seedOrganisation(sim.store, { uuid: flags.organisation, name: flags.name });
        out(`FK Organisation simulator at ${sim.url} (services at ${sim.url}/organisation/<service>/6)`);
        out(
          `organisation ${flags.organisation}: use it as the fk-organisation target's endpoint and organisation`,
        );
        if (client) {
          const stsCert = resolve(flags.certDir, 'sts.crt');
          mkdirSync(resolve(flags.certDir), { recursive: true });
          writeFileSync(stsCert, sim.stsCertificatePem!);
          out(`STS at ${sim.stsUrl}: calls need a token for CVR ${flags.cvr}. The target's auth:`);
          out('  auth:');
          out(`    stsUrl: ${sim.stsUrl}`);
          out(`    cvr: "${flags.cvr}"`);
          const cert = client.files?.cert ?? resolve(flags.clientCert!);
          out(`    certificate: { certFile: ${cert}, keyFile: ${client.files?.key ?? '<your key file>'} }`);
          out(`    stsCertificate: { file: ${stsCert} }`);
        }
        await new Promise<void>((stopped) => {
          const stop = () => stopped();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        await sim.stop();
        out(`stopped after ${sim.requests.length} requests`);
        process.exitCode = EXIT.ok;
      } catch (e) {
        process.exitCode = reportError(e);
      }
    });
}
