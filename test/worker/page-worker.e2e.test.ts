/**
 * The administrators' page in headless Chromium against the REAL worker (not the fake of
 * test/api/page.e2e.test.ts): a generated HR export, a ledger target whose thresholds
 * block the first plan, the worker in-process with a ManualClock and its admin API on a
 * free port. A wrong token is refused, the read role sees runs and no buttons, the
 * operator makes a dry run, reads the blocked plan as the worker kept it (grouped by kind,
 * the sensitive attribute masked), approves it, and the run's changes reach the ledger and
 * the page.
 */
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startApi } from '../../src/api/server.js';
import { type Engine, openEngine } from '../../src/engine/context.js';
import { silentLogger } from '../../src/log/logger.js';
import type { Plan } from '../../src/plan/plan.js';
import { Worker } from '../../src/worker/worker.js';
import { freshPage, launchChromium, login as signIn } from '../support/browser.js';
import { readLedger } from '../support/ledger-target.js';
import { ManualClock } from '../support/manual-clock.js';
import { idle as waitIdle } from '../support/worker.js';
import { ledgerTargetConfig, makeWorkspace } from '../support/workspace.js';

const AS_OF = '2026-11-22';
const TARGET = 'ledger';
const READ_ENV = 'ORGSYNC_PAGE_WORKER_READ_TOKEN';
const OPS_ENV = 'ORGSYNC_PAGE_WORKER_OPS_TOKEN';
const READ_TOKEN = 'read-token-page-worker-5e1d7c93';
const OPS_TOKEN = 'ops-token-page-worker-a8f2046b';

let engine: Engine;
let worker: Worker;
let api: { url: string; close(): Promise<void> };
let ledgerFile: string;
let browser: Browser;
let context: BrowserContext | undefined;
let page: Page;
const pageErrors: string[] = [];

/** What case 3 made, for case 4. */
let approved: { runId: string; changes: number } | undefined;

beforeAll(async () => {
  process.env[READ_ENV] = READ_TOKEN;
  process.env[OPS_ENV] = OPS_TOKEN;
  const ws = await makeWorkspace({ persons: 60, asOf: AS_OF });
  ledgerFile = join(ws.dir, 'ledger.jsonl');
  const base = ledgerTargetConfig(TARGET, ledgerFile, true);
  const config = ws.writeConfig(
    [
      {
        ...base,
        // The same mapping, with the person's title masked in plans: the page must not show it.
        objects: { ...base.objects, person: { ...base.objects.person, sensitive: ['title'] } },
        safety: { maxRemovals: 100, maxRemovalShare: 0.1, maxChanges: 5 },
      },
    ],
    {
      worker: {
        timeZone: 'UTC',
        api: {
          port: 0,
          tokens: [
            { name: 'viewer', role: 'read', token: { env: READ_ENV } },
            { name: 'ops', role: 'operator', token: { env: OPS_ENV } },
          ],
        },
      },
    },
  );
  engine = await openEngine(config, { logger: silentLogger() });
  worker = new Worker(engine, { clock: new ManualClock('2026-11-22T09:00:00Z') });
  await worker.start();
  api = await startApi(worker, engine.loaded.config.worker.api, {
    logger: silentLogger(),
    metrics: () => worker.metrics.render(),
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await worker?.stop(5000);
  await api?.close();
  await engine?.close();
  delete process.env[READ_ENV];
  delete process.env[OPS_ENV];
});

beforeEach(async () => {
  await context?.close();
  ({ context, page } = await freshPage(browser, pageErrors));
});

const login = (token: string) => signIn(page, api.url, token);

const target = (name: string) => page.locator(`[data-testid="plan-target"][data-target="${name}"]`);
const runRow = (id: string) => page.locator(`[data-testid="run-row"][data-run-id="${id}"]`);

const idle = () => waitIdle(worker, 10_000);

describe('the admin page on the real worker', () => {
  it('refuses a wrong token with the API message and shows nothing of the runs', async () => {
    await worker.dryRun({}, { name: 'setup', role: 'operator' }); // a run the page could show
    await login('not-a-configured-token-000');
    await expect.poll(() => page.getByTestId('login-error').textContent()).toMatch(/token was refused/);
    expect(await page.getByTestId('login').isVisible()).toBe(true);
    expect(await page.locator('#app').isVisible()).toBe(false);
    expect(await page.getByTestId('run-row').count()).toBe(0);
    expect(await page.evaluate("sessionStorage.getItem('orgsync.token')")).toBeNull();
  });

  it('shows the read role the runs and no Dry run, Approve or Apply button', async () => {
    await login(READ_TOKEN);
    await expect.poll(() => page.getByTestId('whoami').textContent()).toBe('viewer (read)');
    expect(await page.getByTestId('runs-view').isVisible()).toBe(true);
    await page.getByTestId('run-row').first().waitFor();
    const runs = await engine.store.listRuns(10);
    expect(
      await page.getByTestId('run-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run-id'))),
    ).toEqual(runs.map((r) => r.id));
    expect(await runRow(runs[0]!.id).locator('td').nth(1).textContent()).toBe('plan (api:setup)');
    expect(await runRow(runs[0]!.id).getByTestId('run-status').textContent()).toBe('succeeded');

    // The kept plan, blocked, without the operator's buttons.
    const planId = worker.listPlans()[0]!.id;
    await page.getByTestId('tab-plans').click();
    await page.locator(`[data-testid="plan-row"][data-plan-id="${planId}"] a`).click();
    await page.locator(`[data-testid="plan-view"][data-plan-id="${planId}"]`).waitFor();
    await target(TARGET).getByTestId('blocked-target').waitFor();
    expect(await page.getByTestId('dryrun-button').count()).toBe(0);
    expect(await page.getByTestId('approve-button').count()).toBe(0);
    expect(await page.getByTestId('apply-button').count()).toBe(0);
  });

  it('lets the operator dry-run, read the blocked plan and approve it into the ledger', async () => {
    await login(OPS_TOKEN);
    await expect.poll(() => page.getByTestId('whoami').textContent()).toBe('ops (operator)');
    await page.getByTestId('tab-plans').click();
    const before = worker.listPlans().length;
    await page.getByTestId('dryrun-button').click();
    await expect
      .poll(() => page.getByTestId('dryrun-result').textContent())
      .toMatch(/Dry run \S+ made plan \S+\./);
    expect(worker.listPlans()).toHaveLength(before + 1);
    const item = worker.listPlans()[0]!;
    const plan: Plan = worker.getPlan(item.id);
    expect(await page.getByTestId('dryrun-result').textContent()).toContain(plan.id);
    await page.locator(`[data-testid="plan-view"][data-plan-id="${plan.id}"]`).waitFor();

    // Blocked, with the worker's reasons.
    const t = plan.targets.find((x) => x.name === TARGET)!;
    expect(t.blocked).not.toBeNull();
    expect(item.targets).toEqual([{ name: TARGET, changes: t.changes.length, blocked: true, error: false }]);
    const box = target(TARGET).getByTestId('blocked-target');
    await box.waitFor();
    expect(await box.locator('[data-testid="blocked-reasons"] li').allTextContents()).toEqual(
      t.blocked!.reasons,
    );
    expect(t.blocked!.reasons.join()).toMatch(/changes/);

    // Grouped by kind of change, with the worker's counts.
    const groups = await target(TARGET)
      .getByTestId('change-group')
      .evaluateAll((gs) =>
        gs.map((g) => [g.getAttribute('data-action'), g.querySelector('.count')?.textContent ?? '']),
      );
    const kinds = ['create', 'update', 'move', 'replace', 'disable', 'delete'] as const;
    expect(groups).toEqual(kinds.filter((k) => t.summary[k] > 0).map((k) => [k, String(t.summary[k])]));
    const creates = t.changes.filter((c) => c.action === 'create').length;
    expect(creates).toBeGreaterThan(5);
    expect(t.summary.create).toBe(creates);
    expect(await target(TARGET).locator('[data-testid="change"][data-action="create"]').count()).toBe(
      Math.min(creates, 200),
    );

    // The person's title is sensitive: kept masked by the worker, shown masked by the page.
    const person = t.changes.find((c) => c.type === 'person' && c.attrs.some((a) => a.name === 'title'));
    expect(person).toBeDefined();
    if (person) {
      const title = person.attrs.find((a) => a.name === 'title')!;
      expect(title).toMatchObject({ sensitive: true, new: null });
      const row = target(TARGET).locator(
        `[data-testid="change"][data-key="${person.key}"] [data-testid="attr"][data-attr="title"]`,
      );
      expect(await row.getByTestId('masked').count()).toBe(1);
      expect(await row.locator('.new').textContent()).toBe('masked');
      const sensitive = t.changes.flatMap((c) => c.attrs.filter((a) => a.sensitive)).length;
      expect(await target(TARGET).getByTestId('masked').count()).toBe(sensitive);
    }

    // Approve, with its second click.
    await target(TARGET).getByTestId('approve-button').click();
    await target(TARGET).getByTestId('approve-confirm').click();
    await expect
      .poll(() => target(TARGET).getByTestId('approve-result').textContent())
      .toMatch(/^Started run \S+\.$/);
    const runId = /^Started run (\S+)\.$/.exec(
      (await target(TARGET).getByTestId('approve-result').textContent()) ?? '',
    )![1]!;
    await idle();

    await page.getByTestId('tab-runs').click();
    await expect
      .poll(() => runRow(runId).getByTestId('run-status').textContent(), { timeout: 10_000 })
      .toBe('succeeded');
    expect(await runRow(runId).locator('td').nth(1).textContent()).toBe('approve (api:ops)');

    // And on the real side: every planned change in the ledger, the run recorded.
    expect(readLedger(ledgerFile)).toHaveLength(t.changes.length);
    const run = (await engine.store.listRuns(10)).find((r) => r.id === runId);
    expect(run).toMatchObject({ status: 'succeeded', command: 'approve' });
    approved = { runId, changes: t.changes.length };
  });

  it("shows the approved run's recorded changes", async () => {
    expect(approved).toBeDefined();
    const { runId, changes } = approved!;
    await login(READ_TOKEN);
    await runRow(runId).locator('a').click();
    const detail = page.locator(`[data-testid="run-detail"][data-run-id="${runId}"]`);
    await detail.waitFor();
    expect(await detail.locator('h4').first().textContent()).toBe(`${changes} recorded changes`);
    const rows = detail.getByTestId('run-change');
    expect(await rows.count()).toBe(changes);
    expect(new Set(await rows.evaluateAll((rs) => rs.map((r) => r.getAttribute('data-status'))))).toEqual(
      new Set(['applied']),
    );
    const audit = await engine.store.listAudit({ runId, limit: 500 });
    const keys = await rows.evaluateAll((rs) => rs.map((r) => r.querySelector('code')?.textContent));
    expect(keys.sort()).toEqual(audit.map((a) => a.key).sort());
    const summary = detail.locator(`[data-testid="run-target"][data-target="${TARGET}"]`);
    expect(await summary.locator('td').nth(8).textContent()).toBe('applied');
    expect(await summary.locator('td').nth(9).textContent()).toBe(String(changes));
  });

  it('raised no script errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
