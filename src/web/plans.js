/**
 * The kept plans: a list, and one plan's dry-run diff as a person reads it, grouped by
 * target and then by kind of change (create before delete, as the CLI prints them), with
 * a text filter and a kind filter. A target blocked by its thresholds is shown first
 * thing in its section with its reasons; operators get the buttons that act on a plan
 * (approve a blocked target, apply the plan), each behind a second click, since both
 * write to real systems.
 */

import { actionButton } from './actions.js';
import { api } from './api.js';
import { errorText, fill, h, masked, time, value } from './dom.js';

export const ACTIONS = ['create', 'update', 'move', 'replace', 'disable', 'delete'];
const SYMBOL = { create: '+', update: '~', move: '>', replace: '±', disable: '-', delete: 'x' };
const WORDS = {
  create: 'to add',
  update: 'to change',
  move: 'to move',
  replace: 'to replace',
  disable: 'to disable',
  delete: 'to destroy',
};
/** Changes rendered per group before "Show all": a plan can hold thousands. */
const PAGE = 200;

const planHref = (id) => `#plan/${encodeURIComponent(id)}`;

export function renderPlanList(el, plans, selected) {
  if (plans.length === 0) {
    fill(
      el,
      h('p', { class: 'muted' }, 'The worker keeps no plans yet: a scheduled run or a dry run makes one.'),
    );
    return;
  }
  fill(
    el,
    h(
      'table',
      { class: 'grid clickable', testid: 'plans-table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Made', 'As of', 'Trigger', 'Targets'].map((t) => h('th', {}, t)),
        ),
      ),
      h(
        'tbody',
        {},
        plans.map((p) =>
          h(
            'tr',
            {
              testid: 'plan-row',
              dataset: { planId: p.id },
              class: p.id === selected ? 'selected' : null,
              onclick: () => {
                location.hash = planHref(p.id);
              },
            },
            h('td', {}, h('a', { href: planHref(p.id) }, time(p.createdAt))),
            h('td', {}, p.asOf),
            h('td', {}, p.trigger),
            h(
              'td',
              {},
              p.targets.map((t) =>
                h(
                  'span',
                  { class: `chip${t.blocked ? ' chip-blocked' : ''}${t.error ? ' chip-error' : ''}` },
                  `${t.name}: ${t.changes} change${t.changes === 1 ? '' : 's'}`,
                  t.blocked ? ', blocked' : '',
                  t.error ? ', not planned' : '',
                ),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

function summaryLine(summary) {
  return ACTIONS.map((a) => `${summary[a]} ${WORDS[a]}`).join(', ');
}

function attrRow(change, a) {
  const creating = change.action === 'create' || change.action === 'replace';
  const show = (v) => (a.sensitive ? masked() : value(v));
  const old =
    a.old === undefined
      ? h(
          'span',
          { class: 'muted', title: 'orgsync keeps only a fingerprint of what it applied' },
          '(not known)',
        )
      : show(a.old);
  return h(
    'tr',
    { testid: 'attr', dataset: { attr: a.name } },
    h('th', {}, a.name),
    creating ? h('td', { class: 'old' }) : h('td', { class: 'old' }, old),
    h('td', { class: 'arrow' }, creating ? '' : '→'),
    h('td', { class: 'new' }, show(a.new)),
  );
}

function renderChange(c) {
  const parent =
    c.action === 'move'
      ? h('div', { class: 'parent' }, 'parent: ', c.oldParentKey ?? '(top)', ' → ', c.parentKey ?? '(top)')
      : (c.action === 'create' || c.action === 'replace') && c.parentKey
        ? h('div', { class: 'parent' }, 'parent: ', c.parentKey)
        : null;
  return h(
    'li',
    { class: `change action-${c.action}`, testid: 'change', dataset: { key: c.key, action: c.action } },
    h(
      'div',
      { class: 'change-head' },
      h('span', { class: 'sym' }, SYMBOL[c.action] ?? '?'),
      h('span', { class: 'type' }, c.type),
      h('code', { class: 'key' }, c.key),
      c.label ? h('span', { class: 'label' }, c.label) : null,
      c.enable ? h('span', { class: 'chip' }, 're-enabled') : null,
    ),
    parent,
    c.attrs.length
      ? h(
          'table',
          { class: 'attrs' },
          h(
            'tbody',
            {},
            c.attrs.map((a) => attrRow(c, a)),
          ),
        )
      : null,
    h('div', { class: 'reason' }, c.reason),
  );
}

function matches(c, filter) {
  if (filter.action && c.action !== filter.action) return false;
  if (!filter.text) return true;
  const t = filter.text;
  return (
    c.key.toLowerCase().includes(t) ||
    (c.label ?? '').toLowerCase().includes(t) ||
    c.attrs.some((a) => a.name.toLowerCase().includes(t))
  );
}

function renderGroup(action, all, shown) {
  const list = h('ol', { class: 'changes' });
  const more = (n) =>
    h(
      'button',
      {
        type: 'button',
        class: 'link',
        testid: 'show-more',
        onclick: (ev) => {
          ev.target.remove();
          list.append(...shown.slice(n).map(renderChange));
        },
      },
      `Show all ${shown.length}`,
    );
  list.append(...shown.slice(0, PAGE).map(renderChange));
  return h(
    'details',
    { open: true, class: `group action-${action}`, testid: 'change-group', dataset: { action } },
    h(
      'summary',
      {},
      h('span', { class: 'sym' }, SYMBOL[action]),
      ` ${action} `,
      h(
        'span',
        { class: 'count', testid: 'group-count' },
        shown.length === all ? String(all) : `${shown.length} of ${all}`,
      ),
    ),
    list,
    shown.length > PAGE ? more(PAGE) : null,
  );
}

function blockedBox(plan, t, role) {
  return h(
    'div',
    { class: 'blocked', role: 'alert', testid: 'blocked-target', dataset: { target: t.name } },
    h(
      'strong',
      {},
      `${t.name} is blocked by its safety thresholds: none of its changes is applied until an operator approves them.`,
    ),
    h(
      'ul',
      { testid: 'blocked-reasons' },
      t.blocked.reasons.map((r) => h('li', {}, r)),
    ),
    role === 'operator'
      ? actionButton({
          label: `Approve ${t.name}`,
          testid: 'approve',
          question: `Apply plan ${plan.id}'s ${t.changes.length} changes to ${t.name}, removals included?`,
          confirm: 'Yes, approve and apply',
          run: () =>
            api(`/api/targets/${encodeURIComponent(t.name)}/approve`, {
              method: 'POST',
              body: { planId: plan.id },
            }),
        })
      : null,
  );
}

function renderTarget(plan, t, filter, role) {
  const shownAll = t.changes.filter((c) => matches(c, filter));
  return h(
    'section',
    { class: 'target', testid: 'plan-target', dataset: { target: t.name } },
    h(
      'h4',
      {},
      t.name,
      h('span', { class: 'muted' }, ` (${t.connector}) `),
      h('span', { class: 'counts', testid: 'target-summary' }, summaryLine(t.summary)),
    ),
    t.error ? h('p', { class: 'error', testid: 'target-error' }, `Could not be planned: ${t.error}`) : null,
    t.blocked ? blockedBox(plan, t, role) : null,
    t.changes.length === 0
      ? h('p', { class: 'muted' }, 'No changes.')
      : shownAll.length === 0
        ? h('p', { class: 'muted' }, 'No change matches the filter.')
        : ACTIONS.map((a) => {
            const shown = shownAll.filter((c) => c.action === a);
            return shown.length ? renderGroup(a, t.summary[a], shown) : null;
          }),
  );
}

function filters(plan, onChange) {
  const total = plan.targets.reduce((n, t) => n + t.changes.length, 0);
  const text = h('input', {
    type: 'search',
    placeholder: 'Filter by key, name or attribute',
    testid: 'plan-filter',
    'aria-label': 'Filter changes by key, name or attribute',
  });
  const action = h(
    'select',
    { testid: 'plan-action-filter', 'aria-label': 'Kind of change' },
    h('option', { value: '' }, 'every kind of change'),
    ACTIONS.map((a) => h('option', { value: a }, a)),
  );
  const count = h('span', { class: 'muted', testid: 'plan-filter-count' }, `${total} changes`);
  let timer;
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const f = { text: text.value.trim().toLowerCase(), action: action.value };
      const shown = plan.targets.reduce((n, t) => n + t.changes.filter((c) => matches(c, f)).length, 0);
      count.textContent = f.text || f.action ? `${shown} of ${total} changes` : `${total} changes`;
      onChange(f);
    }, 120);
  };
  text.addEventListener('input', changed);
  action.addEventListener('change', changed);
  return h('div', { class: 'filters' }, text, action, count);
}

/** Loads and shows one plan. */
export async function showPlan(el, id, role) {
  let plan;
  try {
    plan = await api(`/api/plans/${encodeURIComponent(id)}`);
  } catch (e) {
    fill(el, h('p', {}, errorText(e)));
    return;
  }
  const targets = h('div', { testid: 'plan-targets' });
  const draw = (f) =>
    fill(
      targets,
      plan.targets.map((t) => renderTarget(plan, t, f, role)),
    );
  const c = plan.source.counts;
  fill(
    el,
    h(
      'article',
      { class: 'detail', testid: 'plan-view', dataset: { planId: plan.id } },
      h('h3', {}, 'Plan ', h('code', {}, plan.id)),
      h(
        'p',
        { class: 'meta' },
        'Made ',
        time(plan.createdAt),
        `, as of ${plan.asOf}, from ${plan.source.connector} (${c.units} units, ${c.persons} persons, ${c.positions} positions).`,
      ),
      plan.quarantined.length ? quarantined(plan.quarantined) : null,
      role === 'operator'
        ? h(
            'div',
            { class: 'actions' },
            actionButton({
              label: 'Apply this plan',
              testid: 'apply',
              question:
                'Apply this plan to every target now? Blocked targets stay blocked; the worker refuses the plan if HR or a target changed since.',
              confirm: 'Yes, apply',
              run: () => api(`/api/plans/${encodeURIComponent(plan.id)}/apply`, { method: 'POST' }),
            }),
          )
        : null,
      filters(plan, draw),
      targets,
    ),
  );
  draw({ text: '', action: '' });
}

function quarantined(records) {
  return h(
    'details',
    { class: 'quarantined', testid: 'quarantined' },
    h(
      'summary',
      {},
      `${records.length} HR records quarantined: left out; targets keep what they hold for them`,
    ),
    h(
      'table',
      { class: 'grid' },
      h(
        'tbody',
        {},
        records.map((r) =>
          h(
            'tr',
            {},
            h('td', {}, r.recordType),
            h('td', {}, h('code', {}, r.key)),
            h('td', {}, r.code),
            h('td', {}, r.message),
          ),
        ),
      ),
    ),
  );
}
