import { type Event, oneLine, summarize } from './event.js';

/**
 * The subject of an event's commit (store invariant I5, core/store/layout.ts): the event's one-line
 * summary, with anything that looks like a credential replaced by `[…]`. A commit subject leaves the
 * machine with every push and shows on every git host's web pages, while the event's own bytes can
 * be scanned and redacted before a push (issue 13); so the subject carries words, never keys. What is
 * masked, by rules that read each character a bounded number of times (the text is untrusted):
 * - a word of 20+ characters of [A-Za-z0-9+/=_-] holding both a letter and a digit (API keys, tokens,
 *   hashes, base64: long ids are in the trailers, not needed in the subject);
 * - a word that starts with a known key prefix (sk-, ghp_, github_pat_, glpat-, xoxb-, AKIA, AIza, npm_…);
 * - the value after a name that says it is secret (`password=`, `token: …`, `AWS_SECRET_ACCESS_KEY=`,
 *   `Authorization: Bearer …`);
 * - the user and password in a URL (`https://user:pass@host`);
 * - everything after the start of a private key block.
 * The summary is masked before it is cut to its width, so a key is never shown in part.
 */
export function commitSubject(event: Event, width = 72): string {
  return oneLine(maskCredentials(summarize(event, width * 8)), width);
}

const MASK = '[…]';

/** Known prefixes of keys and tokens (the word must go on for 8+ more characters). */
const PREFIXES =
  /\b(?:sk-|sk_live_|sk_test_|rk_live_|pk_live_|ghp_|gho_|ghu_|ghs_|ghr_|github_pat_|glpat-|xox[abprs]-|AKIA|ASIA|AIza|npm_|hf_|SG\.)[A-Za-z0-9_\-.]{8,}/g;
/** A long word of key characters; masked when it mixes letters and digits. */
const LONG_WORD = /[A-Za-z0-9+/=_-]{20,}/g;
/** A name that says its value is secret, then `=`, `:` or a space, then the value. */
const NAMED =
  /\b(pass(?:word|wd)?|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|auth(?:orization)?|credentials?|[a-z0-9_]{0,40}[_-](?:key|token|secret|password|pass))(["']?\s{0,3}[:=]\s{0,3}["']?)([^\s"',;]{4,})/gi;
/** An HTTP bearer token. */
const BEARER = /\b(bearer\s{1,3})[^\s"',;]{4,}/gi;
/** Credentials in a URL. */
const URL_AUTH = /(\b[a-z][a-z0-9+.-]{0,20}:\/\/)[^\s/@:]{1,200}:[^\s/@]{1,200}@/gi;
const KEY_BLOCK = /-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----[\s\S]*/g;

/** Words the NAMED rule needs one of (lower case): a text holding none is not searched by it. */
const NAMED_WORDS = ['pass', 'pwd', 'secret', 'token', 'key', 'auth', 'credential'];

/**
 * `text` with what looks like a credential replaced by `[…]` (the rules above). A rule whose fixed
 * part (`://`, `bearer`, a secret's name, `-----BEGIN`) is nowhere in the text is not run: most
 * summaries hold none, and each rule is a pass over the text (this runs once per event of an import).
 */
export function maskCredentials(text: string): string {
  const lower = text.toLowerCase();
  let out = text;
  if (text.includes('-----BEGIN')) out = out.replace(KEY_BLOCK, `-----BEGIN PRIVATE KEY----- ${MASK}`);
  if (text.includes('://')) out = out.replace(URL_AUTH, `$1${MASK}@`);
  if (lower.includes('bearer')) out = out.replace(BEARER, `$1${MASK}`);
  if (NAMED_WORDS.some((w) => lower.includes(w))) out = out.replace(NAMED, (_m, name: string, sep: string) => `${name}${sep}${MASK}`);
  return out.replace(PREFIXES, MASK).replace(LONG_WORD, (w) => (mixesLettersAndDigits(w) ? MASK : w));
}

/** Whether `w` holds both an ASCII letter and a digit. */
function mixesLettersAndDigits(w: string): boolean {
  let letter = false;
  let digit = false;
  for (let i = 0; i < w.length; i++) {
    const c = w.charCodeAt(i) | 0x20; // folds A–Z onto a–z; digits stay 0x30–0x39
    if (c >= 0x30 && c <= 0x39) digit = true;
    else if (c >= 0x61 && c <= 0x7a) letter = true;
    if (letter && digit) return true;
  }
  return false;
}
