import { randomUUID } from 'node:crypto';

/** Row ids are random, never derived from content (a dataset id must not reveal its records). */
export function newId(): string {
  return randomUUID();
}

/** Stored times are ISO-8601 UTC with milliseconds, which sort as text. */
export function isoNow(): string {
  return new Date().toISOString();
}
