/**
 * What a notification says. Built by the worker from a finished run; holds ids, counts,
 * target names and orgsync's own messages, never personal data (no person keys, names or
 * attribute values), so it may leave the machine.
 */
import type { NotifyEventKind } from './config.js';

export interface NotifyEvent {
  kind: NotifyEventKind;
  /** One line for a subject or a chat message: "orgsync: target ad blocked by its safety thresholds". */
  title: string;
  runId: string;
  /** What started the run: `schedule:nightly`, `api:<token name>`, `cli`. */
  trigger: string;
  /** The worker's page for the run, when the API is served (http://127.0.0.1:8480/#run/<id>). */
  url?: string;
  at: string;
  /** Per target: its outcome and counts; `reasons` for a blocked one, `error` for one that failed. */
  targets: Array<{
    name: string;
    status: string;
    applied?: number;
    failed?: number;
    reasons?: string[];
    error?: string;
  }>;
  /** The run's error code and message when the run as a whole failed (source refused, ...). */
  error?: { code: string; message: string };
}
