/**
 * SD Løn's opening hours, in Copenhagen time. Shared by the source (to tell an operator whether
 * a "closed" answer came at a time SD should be open) and the simulator (to be closed).
 */

export interface OpeningHours {
  /** HH:MM, the first minute SD answers. */
  open: string;
  /** HH:MM, the first minute SD no longer answers. */
  close: string;
}

const CLOCK = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Copenhagen',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** Copenhagen local time of an instant, HH:MM. */
export const copenhagenTime = (at: Date): string => CLOCK.format(at);

/** Whether SD is open at a Copenhagen time HH:MM; hours that pass midnight work too. */
export const openAt = (h: OpeningHours, hhmm: string): boolean =>
  h.open <= h.close ? h.open <= hhmm && hhmm < h.close : hhmm >= h.open || hhmm < h.close;
