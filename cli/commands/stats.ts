import { AgentlogError, resolveRev, type Stats, type StatsBy, type StatsRow, storeStats } from '../../core/index.js';
import { defineCommand } from '../command.js';
import { table, toJson } from '../format.js';

export const stats = defineCommand({
  name: 'stats',
  summary: 'events, turns, tool calls, tokens and cost of sessions',
  usage: 'agentlog stats [REV…] [--by day|session|model] [--json]',
  help: `Adds up the timelines as of each REV (default: every timeline of the store): events, turns,
tool calls, and the tokens the agents recorded (Claude Code's message usage, Codex's token counts,
agentlog run's own): input not read from a cache, output, cache reads and cache writes, with their
cost from the price table in the repository (core/stats/prices.ts, dated; a model it does not list
is named and left out of the cost). Events that forks share, and a model call recorded more than
once, count once.

  --by day|session|model   a row per day (UTC), per timeline, or per model, then the total
  --json                   {total, rows, prices: {date, source, currency}}, each row {key, events,
                           turns, toolCalls, tokens: {input, output, cacheRead, cacheWrite}, cost, unpriced}`,
  options: { by: { type: 'string' }, json: { type: 'boolean' } },
  async run(ctx, values, revs) {
    const by = values.by;
    if (by !== undefined && by !== 'day' && by !== 'session' && by !== 'model') {
      throw new AgentlogError('E_INPUT', `stats --by: "${by}" is not day, session or model`);
    }
    const store = ctx.store();
    const timelines = revs.length
      ? revs.map((rev) => {
          const r = resolveRev(store, rev);
          return { name: r.timeline ?? r.commit.slice(0, 12), commit: r.commit };
        })
      : [...store.timelines()].map(([name, commit]) => ({ name, commit }));
    const s = storeStats(store, timelines, by as StatsBy | undefined);
    if (values.json) {
      ctx.stdout.write(`${toJson(s)}\n`);
      return 0;
    }
    ctx.stdout.write(render(s, ctx.stdout.isTTY));
    const unpriced = s.total.unpriced;
    ctx.stderr.write(
      `cost at the prices of ${s.prices.date} (${s.prices.source})${unpriced.length ? `; no price for ${unpriced.join(', ')}: not in the cost` : ''}\n`,
    );
    return 0;
  },
});

function render(s: Stats, tty: boolean): string {
  const head = ['', 'events', 'turns', 'tools', 'input', 'output', 'cache read', 'cache write', 'cost'];
  const line = (r: StatsRow) => [
    r.key,
    count(r.events),
    count(r.turns),
    count(r.toolCalls),
    count(r.tokens.input),
    count(r.tokens.output),
    count(r.tokens.cacheRead),
    count(r.tokens.cacheWrite),
    `${s.prices.currency === 'USD' ? '$' : ''}${r.cost.toFixed(2)}`,
  ];
  const rows = [head, ...s.rows.map(line), line(s.total)];
  if (!tty) return table(rows, false);
  // Numbers aligned right.
  const widths = head.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return `${rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[0]) : c.padStart(widths[i]))).join('  ')).join('\n')}\n`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}
