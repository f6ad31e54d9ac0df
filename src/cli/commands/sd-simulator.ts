/**
 * orgsync sd-simulator: the strict local SD Løn web service (connectors/sd-lon/simulator)
 * filled with generated municipalities, for demos and for trying the sd-lon source without
 * access to SD. Optionally moves the data on one generated day at a time, so that the
 * changed-at operations have deltas to report. Runs until interrupted; prints where it listens.
 */
import type { Command } from 'commander';
import { advanceMunicipality, renderMunicipality } from '../../../connectors/sd-lon/simulator/render.js';
import { type OpeningHours, startSdSimulator } from '../../../connectors/sd-lon/simulator/server.js';
import { SdStore } from '../../../connectors/sd-lon/simulator/store.js';
import { EXIT } from '../../errors.js';
import { generateMunicipality, type Municipality, nextDay } from '../../generate/index.js';
import { todayIso } from '../../model/dates.js';
import { numberFlag as number, out, reportError, UsageError } from '../common.js';

interface Flags {
  port: string;
  persons: string;
  seed: string;
  institutions: string;
  latency: string;
  hours: string;
  username: string;
  errorRate: string;
  truncateRate: string;
  days: string;
  daySeconds: string;
}

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Two-letter institution identifiers as SD has them: AB, AC, ... AZ, BA, ... */
export function institutionIdentifier(index: number): string {
  const n = index + 1;
  return LETTERS[Math.floor(n / 26) % 26]! + LETTERS[n % 26]!;
}

/** `HH:MM-HH:MM` or `always`. */
export function parseHours(value: string): OpeningHours | null {
  if (value === 'always') return null;
  const m = /^(([01]\d|2[0-3]):[0-5]\d)-(([01]\d|2[0-3]):[0-5]\d)$/.exec(value);
  if (!m) throw new UsageError('--hours must be HH:MM-HH:MM (Copenhagen time) or always');
  return { open: m[1]!, close: m[3]! };
}

export function registerSdSimulator(program: Command) {
  program
    .command('sd-simulator')
    .description('run a strict local SD Løn web service filled with generated municipalities')
    .option('-p, --port <n>', 'port on 127.0.0.1', '8700')
    .option('--persons <n>', 'persons per institution', '2000')
    .option('--seed <n>', 'seed of the generated data (institution i uses seed + i) and of the faults', '7')
    .option('--institutions <n>', 'how many institutions (AB, AC, ...)', '1')
    .option('--latency <ms>', 'added to every answer', '0')
    .option('--hours <HH:MM-HH:MM|always>', 'opening hours, Copenhagen time', '06:05-21:55')
    .option('--username <name>', 'the Basic auth user (the password comes from env SD_PASSWORD)', 'orgsync')
    .option('--error-rate <share>', 'share of calls answered with an internal-error Fault', '0')
    .option('--truncate-rate <share>', 'share of calls whose answer is cut off mid-way', '0')
    .option('--days <n>', 'advance the data this many generated days, one every --day-seconds', '0')
    .option('--day-seconds <s>', 'seconds between two generated days (with --days)', '60')
    .action(async (flags: Flags) => {
      try {
        const password = process.env['SD_PASSWORD'];
        if (!password) throw new UsageError('set the password the simulator accepts in env SD_PASSWORD');
        if (flags.username.trim() === '' || flags.username.includes(':'))
          throw new UsageError('--username must be non-empty and without ":"');
        const persons = number('persons', flags.persons, 1, 1_000_000);
        const seed = number('seed', flags.seed, 0, 2 ** 31);
        const count = number('institutions', flags.institutions, 1, 600);
        const days = number('days', flags.days, 0, 100_000);
        const daySeconds = number('day-seconds', flags.daySeconds, 1, 86_400);

        const store = new SdStore();
        const asOf = todayIso();
        const municipalities: { identifier: string; seed: number; m: Municipality }[] = [];
        for (let i = 0; i < count; i++) {
          const identifier = institutionIdentifier(i);
          const m = generateMunicipality({ seed: seed + i, persons, asOf });
          renderMunicipality(store, m, {
            institution: identifier,
            registeredAt: new Date(Date.now() - 86_400_000),
          });
          municipalities.push({ identifier, seed: seed + i, m });
        }
        const sim = await startSdSimulator({
          store,
          users: { username: flags.username, password },
          port: number('port', flags.port, 0, 65535),
          latencyMs: number('latency', flags.latency, 0, 600_000),
          openingHours: parseHours(flags.hours),
          faults: {
            seed,
            errorRate: number('error-rate', flags.errorRate, 0, 1),
            truncateRate: number('truncate-rate', flags.truncateRate, 0, 1),
          },
        });
        out(
          `SD Løn simulator at ${sim.url} (operations at ${sim.url}<Operation>, Basic auth user ${flags.username})`,
        );
        out(`institutions: ${municipalities.map((x) => `${x.identifier} (${x.m.profile.name})`).join(', ')}`);
        out(`data as of ${asOf}; opening hours ${flags.hours}`);

        // The deltas demo: each tick registers the next generated day's differences, now.
        let advanced = 0;
        const timer =
          days > 0
            ? setInterval(() => {
                for (const x of municipalities) {
                  x.m = nextDay(x.m, undefined, x.seed);
                  advanceMunicipality(store, x.identifier, x.m, new Date());
                }
                advanced++;
                out(`advanced to ${municipalities[0]!.m.asOf} (day ${advanced} of ${days})`);
                if (advanced >= days) clearInterval(timer);
              }, daySeconds * 1000)
            : undefined;

        await new Promise<void>((stopped) => {
          const stop = () => stopped();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        if (timer) clearInterval(timer);
        await sim.close();
        out(`stopped after ${sim.calls()} calls`);
        process.exitCode = EXIT.ok;
      } catch (e) {
        process.exitCode = reportError(e);
      }
    });
}
