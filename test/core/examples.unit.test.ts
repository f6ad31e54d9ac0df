/** The example configurations the docs point at must load as they are. */
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';

describe('example configurations', () => {
  const saved = { ...process.env };
  afterAll(() => {
    process.env = saved;
  });

  it('config/demo.yaml loads', async () => {
    expect((await loadConfig('config/demo.yaml')).targets.length).toBeGreaterThan(0);
  });

  it('config/worker.example.yaml loads, with its tokens from the environment', async () => {
    process.env['ORGSYNC_OPERATOR_TOKEN'] = 'operator-token-0123456789';
    process.env['ORGSYNC_READ_TOKEN'] = 'read-token-0123456789abcdef';
    const { config } = await loadConfig('config/worker.example.yaml');
    expect(config.worker.schedules.map((s) => s.name)).toEqual(['nightly', 'intraday']);
    expect(config.worker.api.tokens.map((t) => t.role)).toEqual(['operator', 'read']);
    expect(JSON.stringify(config.worker)).not.toContain('operator-token-0123456789');
  });
});
