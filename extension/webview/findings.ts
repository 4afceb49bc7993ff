/**
 * The panel's secrets and numbers: a mark on each event where the secrets scan found something (the
 * rule and the masked form, never the secret), with Redact… and Allow, and the stats line of the
 * header. The host scans and counts off its thread (extension/src/panelInsights.ts) and asks before
 * a redaction; this only draws and asks.
 */
import type { FindingVM, StatsVM } from '../shared/insights.js';
import type { WebviewMessage } from '../shared/protocol.js';

let findings: FindingVM[] = [];

/** The element a finding's mark goes with: the event's own (after a fold that hides it), or the turn card covering it. */
function place(items: HTMLElement, seq: number, mark: HTMLElement): boolean {
  const exact = items.querySelector<HTMLElement>(`[data-seq="${seq}"]`);
  if (exact && !exact.closest('.hidden-list')) {
    const fold = exact.closest('details');
    if (fold) fold.after(mark);
    else exact.append(mark);
    return true;
  }
  for (const card of items.children as HTMLCollectionOf<HTMLElement>) {
    if (Number(card.dataset.first) <= seq && seq <= Number(card.dataset.last)) {
      card.append(mark);
      return true;
    }
  }
  return false;
}

/** Keep the findings the host sent, and draw them. Returns how many are drawn. */
export function setFindings(f: FindingVM[], items: HTMLElement, send: (m: WebviewMessage) => void): number {
  findings = f;
  return drawFindings(items, send);
}

/** Draw the marks on the events shown (after every render: cards come and go). Returns how many are drawn. */
export function drawFindings(items: HTMLElement, send: (m: WebviewMessage) => void): number {
  for (const old of items.querySelectorAll('.finding-mark')) old.remove();
  let drawn = 0;
  const bySeq = new Map<number, FindingVM[]>();
  for (const f of findings) bySeq.set(f.seq, [...(bySeq.get(f.seq) ?? []), f]);
  for (const [seq, here] of bySeq) {
    const mark = document.createElement('div');
    mark.className = 'finding-mark';
    mark.dataset.findingSeq = String(seq);
    mark.setAttribute('role', 'note');
    for (const f of here) {
      const row = document.createElement('div');
      row.className = 'finding';
      row.dataset.fingerprint = f.fingerprint;
      const what = document.createElement('span');
      what.className = 'finding-text';
      what.textContent = `⚠ Looks like a secret in #${seq} ${f.path}: ${f.rule} ${f.masked}`;
      what.title = `finding ${f.fingerprint}: found by secretlint's ${f.rule} rule; push refuses to send it until it is redacted or allowed`;
      const redact = document.createElement('button');
      redact.className = 'secondary redact';
      redact.textContent = 'Redact…';
      redact.title = 'Rewrite the timeline with this secret replaced by [redacted:RULE] (asks first; the original stays on this machine only)';
      redact.addEventListener('click', () => send({ type: 'redact', fingerprint: f.fingerprint }));
      const allow = document.createElement('button');
      allow.className = 'secondary allow-finding';
      allow.textContent = 'Allow';
      allow.title = 'Not a secret: add this finding to the store’s allow list (scan, push and export let it through)';
      allow.addEventListener('click', () => send({ type: 'allow', fingerprint: f.fingerprint }));
      row.append(what, redact, allow);
      mark.append(row);
    }
    if (place(items, seq, mark)) drawn += here.length;
  }
  return drawn;
}

/** The header's stats line. */
export function showStats(line: HTMLElement, stats: StatsVM): void {
  line.textContent = stats.line;
  line.title = `Prices of ${stats.pricesOf}${stats.unpriced.length ? `; no price for ${stats.unpriced.join(', ')}` : ''} (agentlog stats for more)`;
  line.hidden = false;
}
