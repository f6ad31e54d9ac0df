/**
 * orgsync serve: the long-running worker (schedules, locks, admin API, page, metrics).
 *
 * SIGTERM or SIGINT: no new work, changes in flight finish and are recorded (up to
 * worker.shutdownGraceSeconds), runs are recorded as interrupted, the API closes, exit 0.
 * A second signal exits at once (1); what was pending is reconciled by the next start.
 */
import type { Command } from 'commander';
import { startApi } from '../../api/server.js';
import { openEngine } from '../../engine/context.js';
import { EXIT, OrgsyncError } from '../../errors.js';
import { createLogger } from '../../log/logger.js';
import { createNotifier } from '../../notify/notifier.js';
import { workerSecretProblems } from '../../worker/config.js';
import { Worker } from '../../worker/worker.js';
import { type CommonOptions, reportError, withConfig } from '../common.js';

export function registerServe(program: Command) {
  withConfig(program.command('serve'))
    .description('run the worker: schedules, per-target locks, the admin API and page, metrics')
    .action(async (flags: CommonOptions) => {
      process.exitCode = await serve(flags);
    });
}

async function serve(flags: CommonOptions): Promise<number> {
  const logger = createLogger({ level: flags.logLevel ?? process.env['ORGSYNC_LOG_LEVEL'] ?? 'info' });
  let engine: Awaited<ReturnType<typeof openEngine>> | undefined;
  try {
    engine = await openEngine(flags.config, { logger });
    const config = engine.loaded.config.worker;
    // The worker's own secrets are read now (other commands never need them).
    const problems = workerSecretProblems(config);
    if (problems.length > 0)
      throw new OrgsyncError(
        'ORGSYNC_CONFIG_INVALID',
        `configuration ${flags.config} is invalid:\n${problems.map((p) => `  worker.${p.path}: ${p.message}`).join('\n')}`,
      );
    const notifier = createNotifier(config.notify, logger);
    const apiUrl = `http://${config.api.host.includes(':') ? `[${config.api.host}]` : config.api.host}:${config.api.port}`;
    const worker = new Worker(engine, { notifier, publicUrl: apiUrl });
    const api = config.api.enabled
      ? await startApi(worker, config.api, { logger, metrics: () => worker.metrics.render() })
      : null;
    await worker.start();
    if (api) logger.info({ url: api.url }, 'admin API and page listening');
    process.stderr.write(`orgsync worker running${api ? `; admin page at ${api.url}/` : ''}\n`);

    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    process.once(signal, () => process.exit(EXIT.error)); // a second one: quit at once
    logger.warn({ signal }, 'stopping: no new work; finishing changes in flight');
    const clean = await worker.stop(config.shutdownGraceSeconds * 1000);
    if (!clean) logger.warn('grace period over with changes still in flight; the next start reconciles them');
    await api?.close();
    logger.info('worker stopped');
    return EXIT.ok;
  } catch (e) {
    return reportError(e);
  } finally {
    await engine?.close();
  }
}
