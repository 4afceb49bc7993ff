import type { CID } from '../codec/cid.js';
import { AgentlogError } from '../errors.js';
import { eventRecord, sealEvent, type Event, type StoredEvent } from '../event/event.js';
import type { EventInput } from './types.js';

/**
 * The event an append writes for `input` at `seq` after `prev`: the caller's keys, with `v`, `seq`
 * and `prev` set by the store and `ts` from `now` when absent (I7), checked and encoded (I6).
 */
export function sealInput(input: EventInput, seq: number, prev: CID | null, now: () => number): StoredEvent {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new AgentlogError('E_EVENT', 'an event must be a map');
  }
  if (typeof input.kind !== 'string' || !input.kind) throw new AgentlogError('E_EVENT', 'an event needs a "kind" (a non-empty string)');
  const event = eventRecord(input, seq, prev);
  if (event.ts === undefined) event.ts = now();
  return sealEvent(event as Event, `event seq ${seq}`);
}
