/** The example configurations the docs point at must load as they are. */
import { readdirSync, readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load.js';

const SCHEMA = JSON.parse(readFileSync('docs/config.schema.json', 'utf8'));
const EXAMPLES = readdirSync('config').filter((f) => f.endsWith('.yaml'));

describe('example configurations', () => {
  const saved = { ...process.env };
  afterAll(() => {
    process.env = saved;
  });

  it('config/demo.yaml loads', async () => {
    expect((await loadConfig('config/demo.yaml')).targets.length).toBeGreaterThan(0);
  });

  it('config/line-of-business.example.yaml loads, its secrets from the environment', async () => {
    Object.assign(process.env, {
      LOB_DB_URL: 'postgres://orgsync:pw@127.0.0.1:5432/lob',
      LDAP_PASSWORD: 'pw',
      SAAS_SCIM_TOKEN: 'token',
      HR_PORTAL_WEBHOOK_SECRET: 'a-webhook-secret-0123456789',
    });
    const { targets } = await loadConfig('config/line-of-business.example.yaml');
    expect(targets.map((t) => t.connector.name)).toEqual(['sql', 'ldap', 'scim', 'webhook']);
  });

  it.each(EXAMPLES)('config/%s is valid by docs/config.schema.json, as an editor checks it', (file) => {
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(SCHEMA);
    const ok = validate(parse(readFileSync(`config/${file}`, 'utf8')));
    expect(validate.errors ?? [], file).toEqual([]);
    expect(ok).toBe(true);
  });

  it('docs/config.schema.json catches a misspelt setting in a connector config', () => {
    const validate = new Ajv2020({ strict: false }).compile(SCHEMA);
    const config = parse(readFileSync('config/line-of-business.example.yaml', 'utf8'));
    config.targets[0].config.tabels = config.targets[0].config.tables;
    expect(validate(config)).toBe(false);
    expect(JSON.stringify(validate.errors)).toContain('tabels');
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
