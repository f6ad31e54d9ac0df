/**
 * Building the page without HTML strings: every value shown comes from HR or a target
 * (names, keys, messages), so it only ever enters the page as text, never as markup.
 * Also the few formatters the views share (times, durations, attribute values).
 */

/**
 * h('tag', { class, testid, dataset, onclick, ...attributes }, ...children): an element.
 * Children may be nodes, strings (added as text), arrays, or null/false (skipped).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') el.className = value;
    else if (name === 'testid') el.dataset.testid = value;
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces an element's content. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// 'sv-SE' formats as 2025-03-03 07:30:00: unambiguous, in the browser's own time zone.
const TIME = new Intl.DateTimeFormat('sv-SE', { dateStyle: 'short', timeStyle: 'medium' });

/** A time for people, with the exact ISO value as its tooltip. */
export function time(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const d = new Date(iso);
  return h('time', { datetime: iso, title: iso }, Number.isNaN(d.getTime()) ? iso : TIME.format(d));
}

export function duration(fromIso, toIso) {
  const ms = (toIso ? Date.parse(toIso) : Date.now()) - Date.parse(fromIso);
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** An attribute value as the CLI's plan shows it: strings quoted, lists bracketed. */
export function value(v) {
  if (v === null) return h('span', { class: 'muted' }, '(empty)');
  if (Array.isArray(v)) return `[${v.map((x) => JSON.stringify(x)).join(', ')}]`;
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

export function masked() {
  return h(
    'span',
    { class: 'masked', testid: 'masked', title: 'A sensitive value: plans never show it' },
    'masked',
  );
}

/** A coloured run status. */
export function statusBadge(status) {
  return h('span', { class: `badge status-${status}`, testid: 'run-status' }, status);
}

/** Shows an API error: its message, and its hint underneath. */
export function errorText(err) {
  return h(
    'span',
    { class: 'error', role: 'alert' },
    err.message,
    err.hint ? h('span', { class: 'hint' }, ` ${err.hint}`) : null,
  );
}
