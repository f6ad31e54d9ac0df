/**
 * The page's write buttons, shown to operators only (the API refuses the read role
 * anyway): a dry run, and a two-step button for what writes to real systems (approving a
 * blocked target, applying a plan): the first click asks, the second does it. Each shows
 * the run id the worker answered, or the worker's own error message.
 */
import { api } from './api.js';
import { errorText, fill, h } from './dom.js';

const runLink = (runId) => h('a', { href: `#run/${encodeURIComponent(runId)}` }, runId);

/** A button that asks before it `run()`s; `run` resolves to { runId }. */
export function actionButton({ label, testid, question, confirm, run }) {
  const result = h('p', { class: 'result', testid: `${testid}-result`, 'aria-live': 'polite' });
  const start = h('button', { type: 'button', class: 'primary', testid: `${testid}-button` }, `${label}…`);
  const yes = h('button', { type: 'button', class: 'danger', testid: `${testid}-confirm` }, confirm);
  const no = h('button', { type: 'button', testid: `${testid}-cancel` }, 'Cancel');
  const ask = h('span', { class: 'confirm', hidden: true }, h('span', {}, question), ' ', yes, ' ', no);

  start.addEventListener('click', () => {
    start.hidden = true;
    ask.hidden = false;
    fill(result);
  });
  no.addEventListener('click', () => {
    ask.hidden = true;
    start.hidden = false;
  });
  yes.addEventListener('click', async () => {
    yes.disabled = true;
    no.disabled = true;
    fill(result, 'Asking the worker…');
    try {
      const r = await run();
      fill(result, h('span', { class: 'ok' }, 'Started run '), runLink(r.runId), '.');
    } catch (e) {
      fill(result, errorText(e));
    } finally {
      yes.disabled = false;
      no.disabled = false;
      ask.hidden = true;
      start.hidden = false;
    }
  });
  return h('div', { class: 'action' }, start, ask, result);
}

/**
 * The dry-run form: all targets or one, the worker's default mode or a chosen one.
 * `made(planId)` is called with the new plan's id.
 */
export function dryRunForm(targets, made) {
  const target = h(
    'select',
    { testid: 'dryrun-target', 'aria-label': 'Target' },
    h('option', { value: '' }, 'all targets'),
    targets.filter((t) => t.enabled).map((t) => h('option', { value: t.name }, t.name)),
  );
  const mode = h(
    'select',
    { testid: 'dryrun-mode', 'aria-label': 'Mode' },
    h('option', { value: '' }, 'default mode'),
    h('option', { value: 'full' }, 'full (read the targets)'),
    h('option', { value: 'delta' }, 'delta (since the last apply)'),
  );
  const button = h('button', { type: 'submit', class: 'primary', testid: 'dryrun-button' }, 'Dry run');
  const result = h('span', { class: 'result', testid: 'dryrun-result', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'dryrun', testid: 'dryrun-form' },
    h('span', { class: 'label' }, 'New plan'),
    target,
    mode,
    button,
    result,
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    button.disabled = true;
    fill(result, 'Planning… (nothing is changed)');
    const body = {};
    if (target.value) body.target = target.value;
    if (mode.value) body.mode = mode.value;
    try {
      const r = await api('/api/plans', { method: 'POST', body });
      fill(result, h('span', { class: 'ok' }, `Dry run ${r.runId} made plan `), h('code', {}, r.planId), '.');
      made(r.planId);
    } catch (e) {
      fill(result, errorText(e));
    } finally {
      button.disabled = false;
    }
  });
  return form;
}
