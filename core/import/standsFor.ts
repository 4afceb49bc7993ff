import { CID, cidOf } from '../codec/cid.js';
import { encode, type IpldValue } from '../codec/dagcbor.js';
import { eventRecord, type StoredEvent } from '../event/event.js';
import { UNREDACTED_PREFIX } from '../store/layout.js';
import type { EventInput, Store } from '../store/store.js';

/**
 * Whether an event the store holds stands for one an import planned at the same seq: plainly, the
 * planned event sealed on the stored one's prev has the stored CID (cidAt); or the stored event is a
 * redacted copy of the planned one (redactedCopyOf), so that a session redacted in the store while
 * its agent still writes it keeps being imported and captured after the redaction; or both are the
 * same Claude Code file-history record in its two forms (sameFileHistoryRecord), so that a session
 * imported before its backups were there (or on a machine without them) keeps being imported and
 * captured where they are.
 */

/** The CID the store gives `input` appended at `seq` after `prev` (v, seq, prev filled in). */
export function cidAt(input: EventInput, seq: number, prev: CID | null): CID {
  return cidOf(encode(eventRecord(input, seq, prev) as IpldValue));
}

/**
 * Whether a stored event is a redacted copy of a planned one (core/secrets/redact.ts): it carries
 * `replaces`, the CID of the event it stands for, and that CID is the planned event's at the same
 * seq. The CID is a hash over the whole event, `prev` included, so the prev the replaced event had
 * must be found: the stored event's own prev when the redaction started at it (the events before were
 * left as they were), the CID the event before replaced when that one was rewritten too (the
 * original chain). An event redacted twice replaces a copy that was itself redacted: that copy is
 * looked up under the kept originals (refs/agentlog/unredacted/) and judged the same way, at most
 * MAX_REDACTIONS deep. The content is proven by the hash alone; nothing is compared by eye.
 */
const MAX_REDACTIONS = 8;

export function redactedCopyOf(store: Store, stored: StoredEvent, planned: EventInput, seq: number, before: StoredEvent | undefined, depth = 0): boolean {
  const replaced = CID.asCID(stored.event.replaces);
  if (!replaced) return false;
  const prevs: (CID | null)[] = [stored.event.prev];
  const beforeReplaced = before && CID.asCID(before.event.replaces);
  if (beforeReplaced && !beforeReplaced.equals(stored.event.prev)) prevs.push(beforeReplaced);
  for (const p of prevs) if (replaced.equals(cidAt(planned, seq, p))) return true;
  if (depth >= MAX_REDACTIONS) return false;
  const held = heldEvent(store, replaced, seq);
  if (!held) return false;
  if (held.event.cid.equals(cidAt(planned, seq, held.event.event.prev))) return true;
  return redactedCopyOf(store, held.event, planned, seq, held.before, depth + 1);
}

/** The event at `seq` with CID `cid` in a kept original, with the event before it there. */
function heldEvent(store: Store, cid: CID, seq: number): { event: StoredEvent; before: StoredEvent | undefined } | undefined {
  for (const tip of store.listRefs(UNREDACTED_PREFIX).values()) {
    try {
      if (store.commitInfo(tip).seq < seq) continue;
      const event = store.eventAt(tip, seq);
      if (event?.cid.equals(cid)) return { event, before: seq > 0 ? store.eventAt(tip, seq - 1) : undefined };
    } catch {
      // A kept original that does not read (a damaged or foreign ref): it holds nothing to follow.
    }
  }
  return undefined;
}

/**
 * Whether a stored event and a planned one are the same Claude Code file-history record, in either of
 * its forms: a checkpoint of the backups found, the plain record event where none were (another
 * machine, an import before the backups were there or before agentlog read them at all;
 * import/claudeFileHistory.ts). The stored one stands: an acknowledged event is never rewritten, so a
 * plain one stays plain (heldPlain says when a checkpoint was planned in its place).
 */
export function sameFileHistoryRecord(stored: Record<string, unknown> | undefined, planned: EventInput): boolean {
  const a = stored && fileHistoryRecord(stored);
  const b = a && fileHistoryRecord(planned);
  return b !== undefined && Buffer.from(encode(a as IpldValue)).equals(Buffer.from(encode(b as IpldValue)));
}

/** The Claude Code file-history snapshot record an event was made of, in either form; undefined for any other event. */
export function fileHistoryRecord(e: Record<string, unknown>): unknown {
  if (!FILE_HISTORY_FORMS.includes(e.kind as string)) return undefined;
  const record = (e.source as { record?: unknown } | undefined)?.record;
  return (record as { type?: unknown } | undefined)?.type === 'file-history-snapshot' ? record : undefined;
}

/** Whether sameFileHistoryRecord matched a plain stored record where the import now plans a checkpoint. */
export function heldPlain(stored: Record<string, unknown>, planned: EventInput): boolean {
  return stored.kind !== 'checkpoint' && planned.kind === 'checkpoint';
}

const FILE_HISTORY_FORMS = ['checkpoint', 'claude.file-history-snapshot'];
