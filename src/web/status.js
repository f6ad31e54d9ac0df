/**
 * The worker's state at the top of the page: blackout, schedules with their next run,
 * runs in progress and the targets' locks. Read from GET /api/status on every refresh.
 */
import { fill, h, time } from './dom.js';

export function renderStatus(el, s) {
  const blackout = s.blackout.active
    ? h(
        'span',
        { class: 'pill warn', testid: 'blackout' },
        'Blackout: nothing is written until ',
        s.blackout.until ? time(s.blackout.until) : 'further notice',
      )
    : h('span', { class: 'pill ok', testid: 'blackout' }, 'No blackout');

  const stopping = s.stopping
    ? h('span', { class: 'pill warn', testid: 'stopping' }, 'Stopping: takes no new work')
    : null;

  const schedules = s.schedules.length
    ? h(
        'ul',
        { class: 'inline' },
        s.schedules.map((sc) =>
          h(
            'li',
            { testid: 'schedule', dataset: { schedule: sc.name } },
            h('strong', {}, sc.name),
            ` (${sc.cron}, ${sc.timeZone}, ${sc.mode}${sc.targets ? `: ${sc.targets.join(', ')}` : ''}) next `,
            sc.next ? time(sc.next) : 'never',
          ),
        ),
      )
    : h('span', { class: 'muted' }, 'none');

  const running = s.running.length
    ? h(
        'ul',
        { class: 'inline', testid: 'running' },
        s.running.map((id) => h('li', {}, h('a', { href: `#run/${encodeURIComponent(id)}` }, id))),
      )
    : h('span', { class: 'muted', testid: 'running' }, 'none');

  const locks = s.locks.length
    ? h(
        'ul',
        { class: 'inline' },
        s.locks.map((l) =>
          h('li', {}, `${l.target}: run ${l.runId} (${l.holder}) until `, time(l.expiresAt)),
        ),
      )
    : null;

  fill(
    el,
    h(
      'div',
      { class: 'status-line' },
      blackout,
      stopping,
      h('span', { class: 'muted' }, 'worker up since '),
      time(s.startedAt),
    ),
    h('div', { class: 'status-line' }, h('span', { class: 'label' }, 'Schedules'), schedules),
    h('div', { class: 'status-line' }, h('span', { class: 'label' }, 'In progress'), running),
    locks ? h('div', { class: 'status-line' }, h('span', { class: 'label' }, 'Locks'), locks) : null,
  );
}
