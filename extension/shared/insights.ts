/**
 * What the panel and the commands say about a timeline's secrets and numbers, as plain data and
 * words (no VS Code, no DOM): a finding as the page marks it (rule and masked form, never the
 * secret), the question before a redaction, the warning before a push that would send findings, a
 * search hit as a pick item, and the stats line of the session header.
 */
import type { Finding, SearchHit, Stats, TimelineScan } from '../../core/index.js';

/** A finding as the page shows it: where (seq, field path), the rule, the masked form, and its fingerprint (for Redact and Allow). */
export interface FindingVM {
  seq: number;
  path: string;
  rule: string;
  masked: string;
  fingerprint: string;
}

/** Only what may be shown: a Finding holds no secret, and this keeps even less (no offsets, no CID). */
export function findingVM(f: Finding): FindingVM {
  return { seq: f.seq, path: f.path, rule: f.rule, masked: f.masked, fingerprint: f.fingerprint };
}

/** The header's numbers, each already in words (the page sets them as text). */
export interface StatsVM {
  events: number;
  turns: number;
  toolCalls: number;
  tokens: { input: number; output: number; cacheRead: number; cacheWrite: number };
  cost: number;
  currency: string;
  /** The price table's date, and the models it has no price for. */
  pricesOf: string;
  unpriced: string[];
  /** One line: "123 events · 4 turns · 5 tool calls · tokens 1.2k in / 300 out / 45k cache read / 6k cache write · $0.12". */
  line: string;
}

/** 1234 → "1.2k", 1_234_567 → "1.2M". */
export function compact(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0).replace(/\.0$/, '')}k`;
  return `${(n / 1_000_000).toFixed(n < 10_000_000 ? 1 : 0).replace(/\.0$/, '')}M`;
}

export function statsVM(s: Stats): StatsVM {
  const t = s.total;
  const money = s.prices.currency === 'USD' ? `$${t.cost.toFixed(2)}` : `${t.cost.toFixed(2)} ${s.prices.currency}`;
  const tokens = t.tokens;
  const anyTokens = tokens.input + tokens.output + tokens.cacheRead + tokens.cacheWrite > 0;
  const parts = [
    `${t.events} events`,
    `${t.turns} turns`,
    `${t.toolCalls} tool calls`,
    anyTokens
      ? `tokens ${compact(tokens.input)} in / ${compact(tokens.output)} out / ${compact(tokens.cacheRead)} cache read / ${compact(tokens.cacheWrite)} cache write`
      : 'no token usage recorded',
    ...(anyTokens ? [`${money}${t.unpriced.length ? ` (no price for ${t.unpriced.join(', ')})` : ''}`] : []),
  ];
  return {
    events: t.events,
    turns: t.turns,
    toolCalls: t.toolCalls,
    tokens: { ...tokens },
    cost: t.cost,
    currency: s.prices.currency,
    pricesOf: s.prices.date,
    unpriced: [...t.unpriced],
    line: parts.join(' · '),
  };
}

/** A finding on one line: `#4 content[0].text: github ghp_******** (40 chars)`. */
export function findingLine(f: FindingVM): string {
  return `#${f.seq} ${f.path}: ${f.rule} ${f.masked}`;
}

/**
 * The question before a redaction from the panel: what is rewritten (from the first event holding
 * the finding to the newest, forks sharing them too) and where the original stays.
 */
export function redactQuestion(timeline: string, chosen: readonly FindingVM[], tipSeq: number, keptPrefix: string): { message: string; detail: string } {
  const from = Math.min(...chosen.map((f) => f.seq));
  const rules = [...new Set(chosen.map((f) => `${f.rule} ${f.masked}`))];
  const message = `Redact ${rules.length === 1 ? rules[0] : `${chosen.length} findings`} in ${timeline}?`;
  const detail = [
    `Each occurrence is replaced by [redacted:RULE]. Events #${from}–#${Math.max(from, tipSeq)} of ${timeline} are rewritten: they get new CIDs, and each names the CID it replaces. Forks that share those events are rewritten the same way.`,
    '',
    ...chosen.slice(0, 10).map(findingLine),
    ...(chosen.length > 10 ? [`… and ${chosen.length - 10} more`] : []),
    '',
    `The original stays on this machine only, under ${keptPrefix}${timeline} (push never sends it); delete it with git update-ref -d once sure.`,
  ];
  return { message, detail: detail.join('\n') };
}

/** The warning before a push that would send findings: each timeline and its findings (masked). */
export function pushWarning(dirty: readonly Pick<TimelineScan, 'timeline' | 'findings'>[], remote: string): { message: string; detail: string } {
  const count = dirty.reduce((n, d) => n + d.findings.length, 0);
  const lines: string[] = [];
  for (const d of dirty.slice(0, 8)) {
    lines.push(`${d.timeline}:`);
    for (const f of d.findings.slice(0, 5)) lines.push(`  ${findingLine(findingVM(f))}`);
    if (d.findings.length > 5) lines.push(`  … and ${d.findings.length - 5} more`);
  }
  if (dirty.length > 8) lines.push(`… and ${dirty.length - 8} more timelines`);
  lines.push(
    '',
    'Redact: rewrite these timelines with each secret replaced (the originals stay on this machine only), then push.',
    'Allow: these findings are not secrets; add them to the store’s allow list, then push.',
    'Push Anyway: send them as they are, this once.',
  );
  return {
    message: `Push to ${remote} would send ${count} finding(s) that look like secrets, in ${dirty.length} timeline(s). Nothing was sent.`,
    detail: lines.join('\n'),
  };
}

/** A search hit as a quick-pick item: label (where), description (when), detail (the snippet). */
export function hitItem(h: SearchHit, now: number): { label: string; description: string; detail: string } {
  return {
    label: `${h.timeline} #${h.seq}`,
    description: `${h.kind}${h.role ? ` · ${h.role}` : ''} · ${ago(h.ts, now)} · ${h.cid.slice(-8)}`,
    detail: h.snippet.text,
  };
}

/** A time as people say it: "3 min ago", "2 h ago", "5 d ago", else the date. */
export function ago(ts: number, now: number): string {
  const s = Math.max(0, Math.round((now - ts) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  if (s < 30 * 86_400) return `${Math.round(s / 86_400)} d ago`;
  return new Date(ts).toISOString().slice(0, 10);
}
