/** The one rule for names operators give things (targets, schedules, tokens): they appear in locks, metrics and URLs. */
import { z } from 'zod';

export const Name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'use lower-case letters, digits, - and _ (max 63)');
