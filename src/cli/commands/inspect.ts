/**
 * Commands that look without changing anything: validate, check, history, connectors.
 */

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { configJsonSchema, connectorJsonSchema } from '../../docs.js';
import { openTarget, selectTargets } from '../../engine/plan.js';
import { loadSnapshot, openSource } from '../../engine/snapshot.js';
import { EXIT, OrgsyncError } from '../../errors.js';
import { todayIso } from '../../model/dates.js';
import { listConnectors, loadConnectorModules } from '../../registry.js';
import {
  type CommonOptions,
  collect,
  out,
  reportError,
  resolveAsOf,
  withAsOf,
  withConfig,
  withEngine,
} from '../common.js';

export function registerInspect(program: Command) {
  withAsOf(withConfig(program.command('validate')))
    .description('read and validate the HR export; report every problem by record; change nothing')
    .option('--json', 'print the result as JSON')
    .option('--accept-shrink', 'do not treat a much smaller export as an error')
    .action(async (flags: CommonOptions & { asOf?: string; json?: boolean; acceptShrink?: boolean }) => {
      process.exitCode = await withEngine(flags, async (engine) => {
        const snap = await loadSnapshot(engine, resolveAsOf(flags.asOf), {
          acceptShrink: flags.acceptShrink ?? false,
        });
        if (flags.json) {
          out(
            JSON.stringify(
              {
                asOf: snap.snapshot.asOf,
                counts: snap.counts,
                fingerprint: snap.fingerprint,
                quarantined: snap.quarantined,
              },
              null,
              2,
            ),
          );
        } else {
          const { counts } = snap;
          out(
            `HR export ${snap.meta.origin} as of ${snap.snapshot.asOf}: ${counts.units} units, ${counts.persons} persons, ${counts.positions} positions.`,
          );
          if (snap.quarantined.length === 0) out('No problems found.');
          else {
            out(`${snap.quarantined.length} records quarantined (left out, the rest goes on):`);
            for (const q of snap.quarantined) out(`  ${q.recordType} ${q.key}: ${q.message} [${q.code}]`);
          }
        }
        return EXIT.ok;
      });
    });

  withConfig(program.command('check'))
    .description('check that the source and every target can be reached with their credentials')
    .option('-t, --target <names>', 'only these targets', collect)
    .action(async (flags: CommonOptions & { target?: string[] }) => {
      process.exitCode = await withEngine(flags, async (engine) => {
        const { connector } = engine.loaded.source;
        const results: [string, { ok: boolean; message: string }][] = [];
        const guard = async (fn: () => Promise<{ ok: boolean; message: string }>) =>
          fn().catch((e: unknown) => ({ ok: false, message: e instanceof Error ? e.message : String(e) }));
        results.push([
          `source (${connector.name})`,
          await guard(async () => (await openSource(engine, todayIso())).check()),
        ]);
        for (const t of selectTargets(engine, flags.target)) {
          results.push([
            `${t.config.name} (${t.connector.name})`,
            await guard(async () => {
              const session = await openTarget(engine, t);
              try {
                return await session.check();
              } finally {
                await session.close?.();
              }
            }),
          ]);
        }
        for (const [name, r] of results) out(`${r.ok ? 'ok  ' : 'FAIL'} ${name}: ${r.message}`);
        return results.every(([, r]) => r.ok) ? EXIT.ok : EXIT.error;
      });
    });

  withConfig(program.command('history'))
    .description('list recent runs, or one run with its changes')
    .option('-n, --limit <n>', 'how many runs', '20')
    .option('--run <id>', 'show this run and its audit records')
    .option('--json', 'print JSON')
    .action(async (flags: CommonOptions & { limit: string; run?: string; json?: boolean }) => {
      process.exitCode = await withEngine(flags, async (engine) => {
        if (flags.run) {
          const run = await engine.store.getRun(flags.run);
          if (!run) {
            process.stderr.write(`Error: no run ${flags.run}\n`);
            return EXIT.usage;
          }
          const audit = await engine.store.listAudit({ runId: flags.run, limit: 10_000 });
          if (flags.json) out(JSON.stringify({ run, audit }, null, 2));
          else {
            out(
              `${run.id} ${run.command} ${run.status} started ${run.startedAt} finished ${run.finishedAt ?? '-'} as of ${run.asOf ?? '-'}`,
            );
            for (const a of audit)
              out(
                `  ${a.at} ${a.target} ${a.action} ${a.type} ${a.key}: ${a.status}${a.message ? ` (${a.message})` : ''}`,
              );
          }
          return EXIT.ok;
        }
        const runs = await engine.store.listRuns(Number(flags.limit) || 20);
        if (flags.json) out(JSON.stringify(runs, null, 2));
        else if (runs.length === 0) out('No runs yet.');
        else
          for (const r of runs)
            out(
              `${r.startedAt}  ${r.id}  ${r.command.padEnd(5)} ${r.status.padEnd(9)} as of ${r.asOf ?? '-'}`,
            );
        return EXIT.ok;
      });
    });

  program
    .command('connectors')
    .description('list the connectors this build has, with capabilities and config schema')
    .option('--json', 'print JSON, with each config schema as JSON Schema')
    .option(
      '--config-schema',
      "print the configuration file's JSON Schema, each connector's config by its own schema (for editors)",
    )
    .option('-c, --config <file>', "also the connectors of this configuration's connectorModules")
    .action(async (flags: { json?: boolean; configSchema?: boolean; config?: string }) => {
      try {
        if (flags.config)
          await loadConnectorModules(connectorModulesOf(flags.config), dirname(resolve(flags.config)));
      } catch (e) {
        process.exitCode = reportError(e);
        return;
      }
      if (flags.configSchema) {
        out(configJsonSchema(listConnectors()).trimEnd());
        process.exitCode = EXIT.ok;
        return;
      }
      const list = listConnectors().map((c) => ({
        name: c.name,
        kind: c.kind,
        description: c.description,
        ...(c.kind === 'target'
          ? {
              capabilities: c.capabilities,
              objectTypes: c.objectTypes,
              batch: c.batch,
              textValues: c.textValues ?? false,
            }
          : {}),
        configSchema: connectorJsonSchema(c),
      }));
      if (flags.json) out(JSON.stringify(list, null, 2));
      else {
        const width = Math.max(...list.map((c) => c.name.length)) + 2;
        for (const c of list) {
          const caps = c.capabilities
            ? Object.entries(c.capabilities)
                .filter(([, v]) => v)
                .map(([k]) => k)
                .join(', ')
            : 'read HR';
          const types = c.objectTypes?.join(', ') ?? 'units, persons, positions';
          out(
            `${c.name.padEnd(width)}${c.kind.padEnd(8)}${caps.padEnd(46)}${types.padEnd(26)}${c.description}`,
          );
        }
      }
      process.exitCode = EXIT.ok;
    });
}

/** Only the connectorModules of a configuration: listing connectors needs no secrets or source. */
function connectorModulesOf(path: string): string[] {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch {
    throw new OrgsyncError('ORGSYNC_CONFIG_NOT_FOUND', `configuration file ${path} cannot be read as YAML`);
  }
  const parsed = z.object({ connectorModules: z.array(z.string()).default([]) }).safeParse(raw);
  if (!parsed.success)
    throw new OrgsyncError(
      'ORGSYNC_CONFIG_INVALID',
      `configuration ${path}: connectorModules must be a list of paths`,
    );
  return parsed.data.connectorModules;
}
