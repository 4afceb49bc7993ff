import * as path from 'node:path';
import { type StatusFinding, type Store, safe, storeStatus, type StoreStatus, waitingFindings } from '../../core/index.js';
import { defineCommand } from '../command.js';
import { toJson } from '../format.js';

export const status = defineCommand({
  name: 'status',
  summary: 'the store: its remotes, timelines ahead/behind, capture, findings waiting',
  usage: 'agentlog status [--json]',
  help: `Shows where the store is and what HEAD holds; each remote with the timelines this store has ahead
of it, behind it or diverged from it, the ones never pushed and the ones only the remote has (as of
the last push or pull, like git status: no network); whether capture is installed for Claude Code
and Codex and whether its hooks name this store, with the hooks' last log line; and the secrets that
wait for you: what the last scans found (after each capture or import, \`agentlog scan --new\` runs in
the background; \`agentlog scan\` scans everything), masked, with what to do about them.

  --json   the same as one object (store, gitDir, timelines, head, remotes, capture, lastCapture, findings)`,
  options: { json: { type: 'boolean' } },
  maxPositionals: 0,
  async run(ctx, values) {
    const store = ctx.store();
    const s = storeStatus(store, {
      env: ctx.env,
      project: path.basename(store.dir) === '.agentlog' ? path.dirname(store.dir) : store.dir,
      findings: secretsWaiting,
    });
    if (values.json) ctx.stdout.write(`${toJson(s)}\n`);
    else ctx.stdout.write(render(s, ctx.color));
    return 0;
  },
});

const LIST = 8; // names listed per line before "and N more"

/** The secrets the background scans recorded (core/secrets/flags.ts), as status lists findings; null when no scan ever ran. */
function secretsWaiting(store: Store): StatusFinding[] | null {
  const flagged = waitingFindings(store);
  if (!flagged) return null;
  return flagged.flatMap((t) =>
    t.findings.map((f) => ({ kind: 'secret', timeline: t.timeline, seq: f.seq, what: `${f.rule} ${f.masked} in ${f.path}, finding ${f.fingerprint}` })),
  );
}

function render(s: StoreStatus, color: boolean): string {
  const paint = (code: string, text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const names = (xs: string[]) => `${xs.slice(0, LIST).map(safe).join(', ')}${xs.length > LIST ? ` and ${xs.length - LIST} more` : ''}`;
  const lines: string[] = [];
  const head = s.head.timeline ? `, HEAD on ${safe(s.head.timeline)}` : s.head.detached ? `, HEAD detached at ${s.head.detached.slice(0, 10)}` : '';
  lines.push(`store     ${s.store} (${s.timelines} timeline${s.timelines === 1 ? '' : 's'}${head})`);
  if (!s.remotes.length) lines.push('remotes   none (add one: agentlog remote add origin URL)');
  for (const r of s.remotes) {
    lines.push(`remote    ${safe(r.name)}  ${safe(r.url)}  (as of the last push or pull)`);
    for (const t of r.differ) {
      const what = t.diverged
        ? paint('31', `diverged: ${t.ahead} ahead, ${t.behind} behind (a pull keeps yours as a fork)`)
        : t.ahead > 0
          ? paint('32', `${t.ahead} ahead`)
          : paint('33', `${t.behind} behind`);
      lines.push(`  ${safe(t.name)}  ${what}`);
    }
    const parts = [`${r.upToDate} up to date`];
    if (r.notPushed.length) parts.push(`not pushed: ${names(r.notPushed)}`);
    if (r.onlyThere.length) parts.push(`only on ${safe(r.name)}: ${names(r.onlyThere)}`);
    lines.push(`  ${parts.join('; ')}`);
    const next: string[] = [];
    if (r.differ.some((t) => t.ahead > 0) || r.notPushed.length) next.push(`agentlog push ${r.name}`);
    if (r.differ.some((t) => t.behind > 0) || r.onlyThere.length) next.push(`agentlog pull ${r.name}`);
    if (next.length) lines.push(`  next: ${next.join(', ')}`);
  }
  for (const c of s.capture) {
    const state = !c.installed ? 'not installed' : c.here ? paint('32', 'installed, into this store') : paint('33', 'installed, into another store');
    const hint = c.installed ? '' : c.scope === 'user' ? `   (agentlog capture install ${c.agent})` : '';
    if (c.scope === 'project' && !c.installed) continue; // the project's settings: shown only when used
    lines.push(`capture   ${c.agent} (${c.scope}): ${state}${hint}`);
  }
  if (s.lastCapture) lines.push(`          last hook: ${safe(s.lastCapture)}`);
  if (s.findings) lines.push(`findings  ${s.findings.length ? paint('31', `${s.findings.length} waiting`) : 'none waiting'}`);
  for (const f of (s.findings ?? []).slice(0, LIST)) lines.push(`  ${safe(f.timeline)}@${f.seq}  ${safe(f.kind)}: ${safe(f.what)}`);
  if (s.findings && s.findings.length > LIST) lines.push(`  and ${s.findings.length - LIST} more: agentlog scan`);
  if (s.findings?.length) lines.push('  before a push: agentlog redact NAME --finding FINGERPRINT, or agentlog allow finding:FINGERPRINT');
  return `${lines.join('\n')}\n`;
}
