import { CID } from '../codec/cid.js';

/** One string of an event, and where it sits: `content[2].input.command`, `source.record.message.content[0].text`. */
export interface Piece {
  path: string;
  text: string;
}

/**
 * Keys whose string values are identifiers, never secrets, and are not scanned: links (`prev`, and
 * `replaces` on a redacted event), ids of every spelling (`id`, `uuid`, `tool_use_id`, `sessionId`,
 * `parentUuid`, `call_id`, …) and opaque blobs a provider signs or encrypts (`signature` of thinking,
 * Codex's `encrypted_content`). Most of them are long, random-looking strings: an entropy-minded
 * rule would trip on them, and a key is never stored under them.
 */
const SKIP_KEYS = new Set(['prev', 'replaces', 'signature', 'encrypted_content']);
const ID_KEY = /(?:^|_)(?:id|uuid|cid|hash|sha)$|[a-z](?:Id|Uuid|ID|Cid|Hash)$/;

function skipKey(key: string): boolean {
  return SKIP_KEYS.has(key) || ID_KEY.test(key);
}

/** An image's payload (`{type: 'image', source: {type: 'base64', data}}`, or `data` beside `media_type`): bytes, not text. */
function isImagePayload(parent: Record<string, unknown>, key: string): boolean {
  return key === 'data' && (parent.type === 'base64' || typeof parent.media_type === 'string' || typeof parent.mime_type === 'string');
}

/**
 * Every string of an event, depth first in key order, each with its path: text, thinking, tool
 * inputs and outputs, kept source records, images' alt text (`alt`, and any string beside the image
 * data). Links (CIDs), byte strings and the id keys above are left out. Iterative, so a deeply nested
 * value (a hostile tool input) cannot overflow the stack; each value is visited once (linear).
 */
export function* stringsOf(value: unknown): Generator<Piece> {
  const stack: Array<{ value: unknown; path: string }> = [{ value, path: '' }];
  while (stack.length) {
    const { value: v, path } = stack.pop()!;
    if (typeof v === 'string') {
      if (v.length) yield { path, text: v };
      continue;
    }
    if (v === null || typeof v !== 'object' || v instanceof Uint8Array || CID.asCID(v)) continue;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: `${path}[${i}]` });
      continue;
    }
    const obj = v as Record<string, unknown>;
    const keys = Object.keys(obj);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i];
      if (skipKey(key) || isImagePayload(obj, key)) continue;
      stack.push({ value: obj[key], path: path ? `${path}.${key}` : key });
    }
  }
}

/**
 * A copy of `value` with the strings `edit` changes (it gets each string stringsOf yields, with the
 * same path; undefined keeps it). Only the maps and lists on the way to a changed string are copied;
 * everything else, links and bytes included, is shared. Recursive: a decoded event nests at most
 * MAX_DEPTH levels (codec/ipldValue.ts).
 */
export function mapStrings(value: unknown, edit: (path: string, text: string) => string | undefined, path = ''): unknown {
  if (typeof value === 'string') return value.length ? (edit(path, value) ?? value) : value;
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array || CID.asCID(value)) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const next = mapStrings(value[i], edit, `${path}[${i}]`);
      if (next === value[i]) continue;
      out ??= value.slice();
      out[i] = next;
    }
    return out ?? value;
  }
  const obj = value as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(obj)) {
    if (skipKey(key) || isImagePayload(obj, key)) continue;
    const next = mapStrings(obj[key], edit, path ? `${path}.${key}` : key);
    if (next === obj[key]) continue;
    out ??= { ...obj };
    out[key] = next;
  }
  return out ?? value;
}
