/**
 * The administrators' page in headless Chromium against the real API (startApi) and the
 * fake worker: login and refusal, runs, the plan's diff grouped by target and kind of
 * change with sensitive values masked, the filter, and the operator's buttons (approve a
 * blocked target, dry run), checked by what the fake worker was asked.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startApi } from '../../src/api/server.js';
import { OrgsyncError } from '../../src/errors.js';
import { silentLogger } from '../../src/log/logger.js';
import { Secret } from '../../src/sdk/secret.js';
import type { ApiConfig } from '../../src/worker/config.js';
import { freshPage, launchChromium, login as signIn } from '../support/browser.js';
import { BLOCK_REASONS, FakeControl } from '../support/fake-control.js';

const READ_TOKEN = 'read-token-7f3a9c1e5b2d8f40';
const OPERATOR_TOKEN = 'operator-token-c4e8a2b6d0f19735';

const config: ApiConfig = {
  enabled: true,
  host: '127.0.0.1',
  port: 0,
  tokens: [
    { name: 'viewer', role: 'read', token: new Secret(READ_TOKEN, 'test') },
    { name: 'ops', role: 'operator', token: new Secret(OPERATOR_TOKEN, 'test') },
  ],
  publicMetrics: true,
};

const control = new FakeControl();
let server: { url: string; close(): Promise<void> };
let browser: Browser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  server = await startApi(control, config, {
    logger: silentLogger(),
    metrics: async () => ({ contentType: 'text/plain', body: '' }),
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

beforeEach(async () => {
  await context?.close();
  ({ context, page } = await freshPage(browser, pageErrors));
  control.calls.length = 0;
});

const login = (token: string) => signIn(page, server.url, token);

async function openPlan(id: string) {
  await page.getByTestId('tab-plans').click();
  await page.locator(`[data-testid="plan-row"][data-plan-id="${id}"] a`).click();
  await page.locator(`[data-testid="plan-view"][data-plan-id="${id}"]`).waitFor();
}

const target = (name: string) => page.locator(`[data-testid="plan-target"][data-target="${name}"]`);

describe('the admin page', () => {
  it('refuses a wrong token with the API message and shows no data', async () => {
    await login('not-a-configured-token-000');
    await expect.poll(() => page.getByTestId('login-error').textContent()).toMatch(/token was refused/);
    expect(await page.getByTestId('login').isVisible()).toBe(true);
    expect(await page.locator('#app').isVisible()).toBe(false);
    expect(await page.getByTestId('run-row').count()).toBe(0);
    expect(await page.evaluate("sessionStorage.getItem('orgsync.token')")).toBeNull();
  });

  it('shows the read user runs, status and a plan grouped by target and kind, without write buttons', async () => {
    await login(READ_TOKEN);
    await expect.poll(() => page.getByTestId('whoami').textContent()).toBe('viewer (read)');
    await page.getByTestId('run-row').first().waitFor();
    const ids = await page
      .getByTestId('run-row')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run-id')));
    expect(ids).toEqual(['run-3', 'run-2', 'run-1']);
    expect(await page.getByTestId('blackout').textContent()).toBe('No blackout');
    expect(await page.getByTestId('schedule').textContent()).toContain('nightly');

    // A run's detail: failures first.
    await page.locator('[data-testid="run-row"][data-run-id="run-2"] a').click();
    await page.locator('[data-testid="run-detail"][data-run-id="run-2"]').waitFor();
    const first = page.getByTestId('run-change').first();
    expect(await first.getAttribute('data-status')).toBe('failed');
    expect(await first.textContent()).toContain('the row is locked by another job');
    expect(await first.textContent()).toContain('conflict');

    await openPlan('plan-1');
    const ad = target('ad');
    expect(await ad.getByTestId('blocked-target').textContent()).toContain(BLOCK_REASONS[0]);
    const groups = (name: string) =>
      target(name)
        .getByTestId('change-group')
        .evaluateAll((gs) =>
          gs.map((g) => `${g.getAttribute('data-action')}:${g.querySelector('.count')?.textContent}`),
        );
    expect(await groups('ad')).toEqual(['disable:1', 'delete:1']);
    expect(await groups('lob-csv')).toEqual(['create:1', 'update:1', 'move:1', 'delete:1']);

    const update = target('lob-csv').locator('[data-testid="change"][data-key="p-469b0454"]');
    expect(await update.locator('[data-attr="title"]').textContent()).toMatch(
      /"Pædagog"\s*→\s*"Skolesekretær"/,
    );
    expect(await update.locator('[data-attr="employeeNumber"]').textContent()).toBe(
      'employeeNumbermasked→masked',
    );
    expect(await target('lob-csv').getByTestId('masked').count()).toBe(3);

    expect(await page.getByTestId('approve-button').count()).toBe(0);
    expect(await page.getByTestId('apply-button').count()).toBe(0);
    expect(await page.getByTestId('dryrun-button').count()).toBe(0);
  });

  it('narrows the shown changes with the text and kind filters', async () => {
    await login(READ_TOKEN);
    await openPlan('plan-1');
    expect(await page.getByTestId('change').count()).toBe(6);
    await page.getByTestId('plan-filter').fill('employeenumber');
    await expect.poll(() => page.getByTestId('change').count()).toBe(1);
    expect(await page.getByTestId('change').getAttribute('data-key')).toBe('p-469b0454');
    expect(await target('ad').textContent()).toContain('No change matches the filter');
    expect(await target('ad').getByTestId('blocked-target').isVisible()).toBe(true);

    await page.getByTestId('plan-filter').fill('');
    await page.getByTestId('plan-action-filter').selectOption('delete');
    await expect.poll(() => page.getByTestId('change').count()).toBe(2);
    expect(await page.getByTestId('plan-filter-count').textContent()).toBe('2 of 6 changes');
  });

  it('lets the operator approve the blocked target and make a dry run', async () => {
    await login(OPERATOR_TOKEN);
    await expect.poll(() => page.getByTestId('whoami').textContent()).toBe('ops (operator)');
    await openPlan('plan-1');
    expect(await target('lob-csv').getByTestId('approve-button').count()).toBe(0);

    await target('ad').getByTestId('approve-button').click();
    await target('ad').getByTestId('approve-confirm').click();
    await expect
      .poll(() => target('ad').getByTestId('approve-result').textContent())
      .toMatch(/Started run run-approve-\d+/);
    expect(control.callsOf('approve')).toEqual([['ad', 'plan-1', { name: 'ops', role: 'operator' }]]);

    await page.getByTestId('dryrun-target').selectOption('lob-csv');
    await page.getByTestId('dryrun-button').click();
    await expect
      .poll(() => page.getByTestId('dryrun-result').textContent())
      .toMatch(/Dry run run-dry-\d+ made plan plan-dry-\d+/);
    expect(control.callsOf('dryRun')).toEqual([[{ target: 'lob-csv' }, { name: 'ops', role: 'operator' }]]);
    const planId = [...control.plans.keys()].at(-1)!;
    await page.locator(`[data-testid="plan-view"][data-plan-id="${planId}"]`).waitFor();
    expect(
      await page.getByTestId('plan-target').evaluateAll((ts) => ts.map((t) => t.getAttribute('data-target'))),
    ).toEqual(['lob-csv']);
  });

  it('shows the worker refusing an approval', async () => {
    await login(OPERATOR_TOKEN);
    await openPlan('plan-1');
    control.failWith.approve = new OrgsyncError('ORGSYNC_TARGET_BUSY', 'run run-3 holds target ad');
    await target('ad').getByTestId('approve-button').click();
    await target('ad').getByTestId('approve-confirm').click();
    await expect
      .poll(() => target('ad').getByTestId('approve-result').textContent())
      .toContain('run run-3 holds target ad');
  });

  it('logs out and forgets the token', async () => {
    await login(READ_TOKEN);
    await page.getByTestId('run-row').first().waitFor();
    await page.getByTestId('logout').click();
    expect(await page.getByTestId('login').isVisible()).toBe(true);
    expect(await page.getByTestId('run-row').count()).toBe(0);
    expect(await page.evaluate("sessionStorage.getItem('orgsync.token')")).toBeNull();
  });

  it('raised no script errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
