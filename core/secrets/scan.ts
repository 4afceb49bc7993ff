import { createHash } from 'node:crypto';
import type { StoredEvent } from '../event/event.js';
import { type AllowList, EMPTY_ALLOW, isAllowed } from './allow.js';
import { lint } from './rules.js';
import { stringsOf } from './strings.js';

/**
 * A secret found in an event. Never holds the secret: `masked` shows at most its first four
 * public prefix (`ghp_`, `sk-ant-api03-`, `https://`, a PEM header: maskOf) and its length, and `fingerprint` is
 * 64 bits of a SHA-256 of the rule and the secret: the same secret has the same fingerprint in every
 * event, timeline and store, so an allow-list entry or `redact --finding` names it everywhere.
 */
export interface Finding {
  timeline: string;
  seq: number;
  cid: string;
  commit: string;
  /** Where in the event: `content[0].text`, `source.record.message.content[1].content`. */
  path: string;
  /** Where in that string (UTF-16 offsets, end excluded): what a redaction replaces, what a viewer marks. */
  start: number;
  end: number;
  rule: string;
  fingerprint: string;
  masked: string;
}

/** An event to scan, with where it sits. */
export interface ScanItem {
  stored: StoredEvent;
  commit: string;
}

/** At most about this many characters go into one call of the rule set (memory stays bounded). */
const BATCH_CHARS = 1 << 20;
/**
 * A string longer than a batch is scanned in windows of BATCH_CHARS overlapping by OVERLAP, so no
 * rule ever runs on more than a batch at once (its cost stays bounded whatever its regexes do on a
 * hostile string, and the whole scan linear). OVERLAP is above the longest match a rule makes (a
 * private key block: at most 10,000 characters of key), so every match lies whole in the window that
 * owns its start: window i owns the starts before its end minus OVERLAP, the last one all the rest.
 */
const OVERLAP = 1 << 16;
/**
 * Between two strings of a batch: no rule matches across a line break and a NUL, so a match never
 * joins the end of one string to the start of the next (one that spans them anyway, a private key's
 * BEGIN in one and END in another, is cut at its first string's end).
 */
const SEP = '\n\u0000\n';

export function fingerprintOf(rule: string, secret: string): string {
  return createHash('sha256').update(`${rule}\u0000${secret}`).digest('hex').slice(0, 16);
}

/**
 * A secret masked: only a public prefix is shown (a key type's `ghp_`, `sk-ant-`, a URL's scheme, a
 * PEM header), then stars and the length; a secret without one shows nothing of itself.
 */
export function maskOf(secret: string): string {
  const prefix = /^(?:[A-Za-z]{1,12}[-_](?:[a-z]{2,8}\d{0,2}-)?|[a-z][a-z0-9+.-]{1,10}:\/\/|-----BEGIN [A-Z ]{1,30}-----)/.exec(secret)?.[0] ?? '';
  const shown = prefix.length * 2 <= secret.length ? prefix : '';
  return `${shown}${'*'.repeat(8)} (${secret.length} chars)`;
}

interface Span {
  start: number;
  end: number;
  item: ScanItem;
  path: string;
  /** Where this span starts in its string (a window of a long string: its offset; else 0). */
  base: number;
  /** Matches starting at or after this batch offset belong to the next window (long strings only). */
  owns: number;
}

/**
 * A scanner: events go in (`add`), findings come out of `done`. Strings are gathered into batches of
 * about BATCH_CHARS and scanned a batch at a time; the rule set is loaded by the first batch, never
 * when nothing is added. A string longer than a batch is scanned alone, in overlapping windows.
 * Time is linear in the strings' length; memory is one batch plus the findings.
 */
export class Scanner {
  readonly findings: Finding[] = [];
  events = 0;
  chars = 0;
  private text: string[] = [];
  private spans: Span[] = [];
  private size = 0;

  constructor(
    private readonly timeline: string,
    private readonly allow: AllowList = EMPTY_ALLOW,
  ) {}

  async add(item: ScanItem): Promise<void> {
    this.events++;
    for (const piece of stringsOf(item.stored.event)) {
      const { text, path } = piece;
      this.chars += text.length;
      if (text.length > BATCH_CHARS) {
        await this.flush();
        for (let base = 0; ; base += BATCH_CHARS - OVERLAP) {
          const last = base + BATCH_CHARS >= text.length;
          const window = text.slice(base, base + BATCH_CHARS);
          this.spans.push({ start: 0, end: window.length, item, path, base, owns: last ? window.length : window.length - OVERLAP });
          this.text.push(window);
          await this.flush();
          if (last) break;
        }
        continue;
      }
      if (this.size && this.size + text.length > BATCH_CHARS) await this.flush();
      this.spans.push({ start: this.size, end: this.size + text.length, item, path, base: 0, owns: this.size + text.length });
      this.text.push(text);
      this.size += text.length + SEP.length;
    }
  }

  async done(): Promise<Finding[]> {
    await this.flush();
    return this.findings;
  }

  private async flush(): Promise<void> {
    if (!this.spans.length) return;
    const text = this.text.join(SEP);
    const spans = this.spans;
    this.text = [];
    this.spans = [];
    this.size = 0;
    const seen = new Set<string>();
    for (const hit of await lint(text)) {
      const span = spanAt(spans, hit.start);
      if (!span || hit.start >= span.owns) continue; // outside a string, or the next window's
      const end = Math.min(hit.end, span.end);
      const secret = text.slice(hit.start, end);
      const fingerprint = fingerprintOf(hit.rule, secret);
      if (isAllowed(this.allow, hit.rule, fingerprint)) continue;
      const { item, path } = span;
      const at = hit.start - span.start + span.base;
      const key = `${item.commit}\u0000${path}\u0000${at}\u0000${fingerprint}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const { seq } = item.stored.event;
      this.findings.push({
        timeline: this.timeline,
        seq,
        cid: item.stored.cid.toString(),
        commit: item.commit,
        path,
        start: at,
        end: end - span.start + span.base,
        rule: hit.rule,
        fingerprint,
        masked: maskOf(secret),
      });
    }
  }
}

/** The span holding offset `at` (binary search over spans sorted by start), or undefined when it falls in a separator. */
function spanAt(spans: Span[], at: number): Span | undefined {
  let lo = 0;
  let hi = spans.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (spans[mid].start > at) hi = mid - 1;
    else if (spans[mid].end <= at) lo = mid + 1;
    else return spans[mid];
  }
  return undefined;
}
