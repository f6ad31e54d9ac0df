/**
 * The page's entry: log in with a token, then two tabs (runs, plans) addressed by the URL
 * hash (#run/<id>, #plan/<id>: the links the worker's notifications carry), refreshed
 * every few seconds. A token the worker refuses, now or later, brings back the login
 * form with the worker's message and clears everything the page showed.
 */
import { dryRunForm } from './actions.js';
import { api, onUnauthorized, token } from './api.js';
import { errorText, fill, h, time } from './dom.js';
import { renderPlanList, showPlan } from './plans.js';
import { renderRuns, showRun } from './runs.js';
import { renderStatus } from './status.js';

const REFRESH_MS = 4000;
const $ = (id) => document.getElementById(id);

const state = {
  me: null,
  timer: null,
  tab: 'runs',
  run: null,
  runStatus: null,
  plan: null,
  busy: false,
};

// What each list last showed: unchanged lists are not redrawn, so a click is never lost
// to a redraw (running runs are, as their duration grows).
const shown = { runs: '', plans: '' };

// The views' parts, made at login and dropped at logout.
let parts = null;

function makeParts() {
  const p = {
    runsList: h('div', { testid: 'runs-list' }),
    runDetail: h('div'),
    refreshed: h('span', { class: 'muted', testid: 'refreshed' }),
    problem: h('p', { class: 'error', testid: 'refresh-error', hidden: true }),
    dryRun: h('div'),
    planList: h('div', { testid: 'plans-list' }),
    planDetail: h('div'),
  };
  fill($('runs-view'), h('h2', {}, 'Runs ', p.refreshed), p.problem, p.runsList, p.runDetail);
  fill($('plans-view'), h('h2', {}, 'Plans'), p.dryRun, p.planList, p.planDetail);
  return p;
}

function logout(message = '') {
  token.clear();
  clearInterval(state.timer);
  Object.assign(state, { me: null, timer: null, run: null, runStatus: null, plan: null });
  parts = null;
  shown.runs = '';
  shown.plans = '';
  for (const id of ['status', 'runs-view', 'plans-view', 'who']) fill($(id));
  $('app').hidden = true;
  $('logout').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message;
  $('token').focus();
}

async function start() {
  try {
    state.me = await api('/api/whoami');
  } catch (e) {
    // A 401 has already brought back the login form (onUnauthorized) with its message.
    if (e.status !== 401) logout(`${e.message} ${e.hint ?? ''}`.trim());
    return;
  }
  $('login').hidden = true;
  $('login-error').textContent = '';
  $('app').hidden = false;
  $('logout').hidden = false;
  fill($('who'), h('strong', {}, state.me.name), ` (${state.me.role})`);
  document.body.dataset.role = state.me.role;
  parts = makeParts();
  shown.runs = '';
  shown.plans = '';
  await refresh();
  route();
  state.timer = setInterval(refresh, REFRESH_MS);
}

async function refreshStatus() {
  const s = await api('/api/status');
  renderStatus($('status'), s);
  if (state.me?.role === 'operator' && parts && !parts.dryRun.firstChild) {
    parts.dryRun.append(
      dryRunForm(s.targets, (planId) => {
        location.hash = `#plan/${encodeURIComponent(planId)}`;
      }),
    );
  }
}

async function refreshRuns() {
  const { runs } = await api('/api/runs?limit=100');
  const key = JSON.stringify([runs, state.run]);
  if (!parts || (key === shown.runs && !runs.some((r) => r.status === 'running'))) return;
  shown.runs = key;
  renderRuns(parts.runsList, runs, state.run);
}

async function refreshPlans() {
  const { plans } = await api('/api/plans');
  const key = JSON.stringify([plans, state.plan]);
  if (!parts || key === shown.plans) return;
  shown.plans = key;
  renderPlanList(parts.planList, plans, state.plan);
}

/** Refreshes what is on screen; one refresh at a time. */
async function refresh() {
  if (state.busy || !state.me) return;
  state.busy = true;
  try {
    await refreshStatus();
    if (state.tab === 'runs') {
      await refreshRuns();
      if (state.run && state.runStatus === 'running')
        state.runStatus = await showRun(parts.runDetail, state.run);
    } else {
      await refreshPlans();
    }
    if (parts) {
      parts.problem.hidden = true;
      fill(parts.refreshed, 'refreshed ', time(new Date().toISOString()));
    }
  } catch (e) {
    if (parts && e.status !== 401) {
      parts.problem.hidden = false;
      fill(parts.problem, 'Cannot refresh: ', errorText(e));
    }
  } finally {
    state.busy = false;
  }
}

function decode(id) {
  try {
    return id ? decodeURIComponent(id) : null;
  } catch {
    return null;
  }
}

async function route() {
  if (!state.me || !parts) return;
  const [, kind = 'runs', id] = /^#(runs|run|plans|plan)(?:\/(.+))?$/.exec(location.hash) ?? [];
  state.tab = kind.startsWith('plan') ? 'plans' : 'runs';
  $('runs-view').hidden = state.tab !== 'runs';
  $('plans-view').hidden = state.tab !== 'plans';
  $('tab-runs').classList.toggle('current', state.tab === 'runs');
  $('tab-plans').classList.toggle('current', state.tab === 'plans');
  try {
    if (state.tab === 'runs') {
      state.run = kind === 'run' ? decode(id) : null;
      await refreshRuns();
      if (state.run) state.runStatus = await showRun(parts.runDetail, state.run);
      else fill(parts.runDetail);
    } else {
      state.plan = kind === 'plan' ? decode(id) : null;
      await refreshPlans();
      if (state.plan) await showPlan(parts.planDetail, state.plan, state.me.role);
      else fill(parts.planDetail);
    }
  } catch (e) {
    if (parts && e.status !== 401) fill(parts.problem, errorText(e)).hidden = false;
  }
}

onUnauthorized((e) => logout(e.message));
window.addEventListener('hashchange', route);
$('logout').addEventListener('click', () => logout());
$('login-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const value = $('token').value.trim();
  $('token').value = '';
  if (!value) return;
  token.set(value);
  start();
});
if (token.get()) start();
