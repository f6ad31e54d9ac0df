/**
 * Runs at a glance (newest first, refreshed by app.js) and one run's detail: its outcome
 * per target and its recorded changes, failures first, since those are what a person
 * opens a run for. The audit holds attribute names, never values.
 */
import { api } from './api.js';
import { duration, errorText, fill, h, statusBadge, time } from './dom.js';

const runHref = (id) => `#run/${encodeURIComponent(id)}`;

export function renderRuns(el, runs, selected) {
  const sorted = [...runs].sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt));
  const rows = sorted.map((r) =>
    h(
      'tr',
      {
        testid: 'run-row',
        dataset: { runId: r.id },
        class: r.id === selected ? 'selected' : null,
        onclick: () => {
          location.hash = runHref(r.id);
        },
      },
      h('td', {}, h('a', { href: runHref(r.id) }, time(r.startedAt))),
      // The worker keeps who started a run (schedule:nightly, api:ops) in the summary.
      h('td', {}, r.summary?.trigger ? `${r.command} (${r.summary.trigger})` : r.command),
      h('td', {}, statusBadge(r.status)),
      h('td', {}, r.asOf ?? '—'),
      h(
        'td',
        { class: 'num' },
        r.finishedAt || r.status === 'running' ? duration(r.startedAt, r.finishedAt) : '—',
      ),
    ),
  );
  fill(
    el,
    runs.length === 0
      ? h('p', { class: 'muted' }, 'No runs yet.')
      : h(
          'table',
          { class: 'grid clickable', testid: 'runs-table' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Started', 'Command', 'Status', 'As of', 'Duration'].map((t) => h('th', {}, t)),
            ),
          ),
          h('tbody', {}, rows),
        ),
  );
}

const COUNTS = ['create', 'update', 'move', 'replace', 'disable', 'delete'];

function summaryTable(summary) {
  const targets = Array.isArray(summary?.targets) ? summary.targets : [];
  if (targets.length === 0) return null;
  const head = ['Target', ...COUNTS, 'Blocked', 'Outcome', 'Applied', 'Failed', 'Skipped', 'Error'];
  return h(
    'table',
    { class: 'grid', testid: 'run-summary' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        head.map((t) => h('th', {}, t)),
      ),
    ),
    h(
      'tbody',
      {},
      targets.map((t) => {
        const o = t.outcome ?? {};
        return h(
          'tr',
          {
            testid: 'run-target',
            dataset: { target: t.name },
            class: t.error || o.failed ? 'row-bad' : null,
          },
          h('td', {}, t.name),
          COUNTS.map((c) => h('td', { class: 'num' }, t[c] ?? '')),
          h('td', {}, t.blocked ? h('span', { class: 'badge status-blocked' }, 'blocked') : ''),
          h('td', {}, o.status ?? ''),
          h('td', { class: 'num' }, o.applied ?? ''),
          h('td', { class: 'num' }, o.failed ?? ''),
          h('td', { class: 'num' }, o.skipped ?? ''),
          h('td', { class: 'error' }, t.error ?? ''),
        );
      }),
    ),
  );
}

const RANK = { failed: 0, skipped: 1, applied: 2 };

function changesTable(changes) {
  if (changes.length === 0) return h('p', { class: 'muted' }, 'No changes recorded for this run.');
  // Failures first, then skipped, each group keeping the worker's order (newest first).
  const sorted = changes
    .map((c, i) => [c, i])
    .sort(([a, i], [b, j]) => (RANK[a.status] ?? 3) - (RANK[b.status] ?? 3) || i - j)
    .map(([c]) => c);
  const head = ['Status', 'Target', 'Action', 'Type', 'Key', 'Error kind', 'Message', 'Attributes', 'At'];
  return h(
    'table',
    { class: 'grid', testid: 'run-changes' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        head.map((t) => h('th', {}, t)),
      ),
    ),
    h(
      'tbody',
      {},
      sorted.map((c) =>
        h(
          'tr',
          { testid: 'run-change', dataset: { status: c.status }, class: `change-${c.status}` },
          h('td', {}, h('span', { class: `badge change-status-${c.status}` }, c.status)),
          h('td', {}, c.target),
          h('td', {}, c.action),
          h('td', {}, c.type),
          h('td', {}, h('code', {}, c.key)),
          h('td', {}, c.errorKind ?? ''),
          h('td', {}, c.message ?? ''),
          h('td', { class: 'muted' }, (c.attributes ?? []).join(', ')),
          h('td', {}, time(c.at)),
        ),
      ),
    ),
  );
}

/** Loads and shows one run; resolves to the run's status (app.js refreshes running ones). */
export async function showRun(el, id) {
  let detail;
  try {
    detail = await api(`/api/runs/${encodeURIComponent(id)}`);
  } catch (e) {
    fill(el, h('p', {}, errorText(e)));
    return null;
  }
  const { run, changes, planId } = detail;
  const failed = changes.filter((c) => c.status === 'failed').length;
  const summary = run.summary ?? {};
  fill(
    el,
    h(
      'article',
      { class: 'detail', testid: 'run-detail', dataset: { runId: run.id } },
      h('h3', {}, 'Run ', h('code', {}, run.id), ' ', statusBadge(run.status)),
      h(
        'dl',
        { class: 'meta' },
        h('dt', {}, 'Command'),
        h('dd', {}, run.command),
        summary.trigger ? [h('dt', {}, 'Started by'), h('dd', {}, String(summary.trigger))] : null,
        h('dt', {}, 'Started'),
        h('dd', {}, time(run.startedAt)),
        h('dt', {}, 'Finished'),
        h(
          'dd',
          {},
          time(run.finishedAt),
          run.finishedAt ? ` (${duration(run.startedAt, run.finishedAt)})` : '',
        ),
        h('dt', {}, 'As of'),
        h('dd', {}, run.asOf ?? '—'),
        planId
          ? [
              h('dt', {}, 'Plan'),
              h('dd', {}, h('a', { href: `#plan/${encodeURIComponent(planId)}` }, planId)),
            ]
          : null,
      ),
      typeof summary.error === 'string'
        ? h(
            'p',
            { class: 'error', testid: 'run-error' },
            `${run.status === 'busy' ? 'The run found its targets busy' : 'The run failed'}: ${summary.error}`,
            typeof summary.message === 'string' ? ` — ${summary.message}` : '',
          )
        : null,
      typeof summary.interrupted === 'string'
        ? h('p', { class: 'error', testid: 'run-interrupted' }, `Interrupted: ${summary.interrupted}`)
        : null,
      summaryTable(summary),
      h(
        'h4',
        {},
        `${changes.length} recorded change${changes.length === 1 ? '' : 's'}`,
        failed ? h('span', { class: 'error' }, ` (${failed} failed)`) : null,
        changes.length >= 500 ? h('span', { class: 'muted' }, ' (the newest 500)') : null,
      ),
      changesTable(changes),
    ),
  );
  return run.status;
}
