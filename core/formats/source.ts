import type { Event } from '../event/event.js';

/**
 * An event imported from an agent's session file keeps the record it came from in `source`, so that
 * export gives that record back exactly. Where the event's own fields hold part of the record (a
 * message's content), that part is left out of the stored record and `rebuild` names the rule that
 * puts it back (each format's toRecords.ts); `sameAs` (Codex) points back that many events to the one
 * whose text a record repeats. The rule is checked on import: a record it would not give back exactly
 * is stored whole, without `rebuild`.
 */
export interface Source {
  /** The format's name: 'claude-code' or 'codex'. */
  format: string;
  record: Record<string, unknown>;
  rebuild?: string;
  sameAs?: number;
}

/** The source of an event imported from `format`, or undefined (appended here, or from another format). */
export function sourceOf(e: Event, format: string): Source | undefined {
  const s = e.source as Record<string, unknown> | undefined;
  return s && typeof s === 'object' && s.format === format && s.record && typeof s.record === 'object' ? (s as unknown as Source) : undefined;
}
