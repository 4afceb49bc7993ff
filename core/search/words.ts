/**
 * The words the index holds and a query looks for: a text cut at whatever is not a letter, a digit
 * or a combining mark (spaces, punctuation, symbols: `src/auth.ts` is `src`, `auth`, `ts`),
 * lowercased. Words longer than MAX_TERM (hashes, base64, minified code) are left out. The index's
 * tokenizer (FTS5 `ascii`, indexDb.ts) then finds exactly these words again in the space-separated
 * text it is given: they hold no ASCII character other than letters and digits.
 */
export const MAX_TERM = 48;

const SPLIT = /[^\p{L}\p{N}\p{M}]+/u;

export function terms(text: string): string[] {
  const out: string[] = [];
  for (const t of text.toLowerCase().split(SPLIT)) if (t !== '' && t.length <= MAX_TERM) out.push(t);
  return out;
}
