import * as v8 from 'node:v8';
import { AgentlogError, type IndexProgress, safe, search, type SearchHit } from '../../core/index.js';
import { ttyProgress } from '../progressBar.js';
import { defineCommand } from '../command.js';
import { toJson, when } from '../format.js';

export const searchCommand = defineCommand({
  name: 'search',
  summary: 'find events by their words, across every timeline',
  usage: 'agentlog search QUERY… [--session S] [--kind K] [--role R] [--tool NAME] [--file PATH] [--since DATE] [--limit N] [--json]',
  help: `Looks for events holding every word of QUERY in what was said, the agent's thinking, what a tool
was given and what it answered, and the paths a tool touched; "a quoted phrase" must appear as it is.
Best matches first (the newest first on ties), a line each: timeline, seq, short id (a REV: agentlog
show ID), time and the words around the match, highlighted on a terminal. An event that forks share
is listed once, under the timeline they left.

The index lives beside the event cache (.git/agentlog/search/), is brought up to date before each
search (only what changed is read) and can be deleted at any time: it is rebuilt.

  --session S   only timeline S, or those whose name begins with S (a session and its forks)
  --kind K      only events of kind K (message, compaction, note, claude.summary, …)
  --role R      only messages of role R (user, assistant, system)
  --tool NAME   only calls of tool NAME and their results (Bash, Edit, shell, apply_patch, …)
  --file PATH   only tool calls (and results) that touched a path containing PATH
  --since DATE  only events at or after DATE (2025-09-24, 2025-09-24T10:00Z, or 3d, 12h, 2w ago)
  --limit N     at most N hits (default 20)
  --json        {hits: [{timeline, seq, cid, ts, kind, role, score, field, snippet: {text, marks}}], total}

Examples:
  agentlog search migration --tool Bash
  agentlog search '"permission denied"' --since 7d
  agentlog search auth --file src/auth.ts`,
  options: {
    session: { type: 'string' },
    kind: { type: 'string' },
    role: { type: 'string' },
    tool: { type: 'string' },
    file: { type: 'string' },
    since: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(ctx, values, positionals) {
    const query = positionals.join(' ');
    if (query.trim() === '') throw new AgentlogError('E_INPUT', 'search: give words to look for (agentlog search QUERY…)');
    const limit = values.limit === undefined ? 20 : Number(values.limit);
    if (!Number.isSafeInteger(limit) || limit < 1) throw new AgentlogError('E_INPUT', `search --limit: "${values.limit}" is not a number of hits`);
    const store = ctx.store();
    const width = ctx.stdout.isTTY ? ctx.stdout.columns : 160;
    // An index build on a terminal (stderr): timelines and events done, from 20 timelines up.
    const progress = ttyProgress<IndexProgress>(
      ctx.stderr,
      !values.json,
      (p) =>
        p.totalTimelines < 20
          ? undefined
          : `indexing: ${p.timelines}/${p.totalTimelines} timelines, ${p.events} events`.slice(0, Math.max(20, ctx.stderr.columns - 1)),
      (p) => p.timelines >= p.totalTimelines,
    );
    // SQLite's WebAssembly (the index, core/search/indexDb.ts) is compiled anew by each CLI process;
    // V8 recompiles a function with its optimizing compiler once it has run a little (its tiering
    // budget), which a warm search pays for and never uses: 0.55 s of 1.4 s of CPU on a 0.1 GB store.
    // A budget 100 times larger still optimizes what an index build runs hot. The CLI's process only:
    // V8's flags are the whole process's (not in core, which the extension host runs).
    v8.setFlagsFromString('--wasm-tiering-budget=180000000');
    let result: ReturnType<typeof search>;
    try {
      result = search(store, query, {
        session: values.session,
        kind: values.kind,
        role: values.role,
        tool: values.tool,
        file: values.file,
        since: values.since === undefined ? undefined : parseSince(values.since, ctx.now()),
        limit,
        width: Math.max(30, width - 60),
        progress: progress.update,
      });
    } finally {
      progress.clear();
    }
    if (values.json) {
      ctx.stdout.write(`${toJson({ hits: result.hits, total: result.total })}\n`);
      return 0;
    }
    if (result.hits.length === 0) {
      ctx.stderr.write(`no event holds ${safe(query)}\n`);
      return 1;
    }
    const color = ctx.stdout.isTTY && (ctx.env.NO_COLOR ?? '') === '';
    ctx.stdout.write(lines(result.hits, ctx.stdout.isTTY, color, width));
    if (result.total > result.hits.length) ctx.stderr.write(`${result.hits.length} of ${result.total} matching events (--limit N for more)\n`);
    return 0;
  },
});

/**
 * The hits a line each. On a terminal: aligned columns fitted to the width, the matched words bold
 * and coloured (with `color`); piped: tab-separated, no colour.
 */
function lines(hits: SearchHit[], tty: boolean, color: boolean, width: number): string {
  const rows = hits.map((h) => [safe(h.timeline), String(h.seq), h.cid.slice(-8), when(h.ts)]);
  if (!tty) return hits.map((h, i) => `${[...rows[i], safe(h.snippet.text)].join('\t')}\n`).join('');
  const nameWidth = Math.min(Math.max(...rows.map((r) => [...r[0]].length)), Math.max(12, Math.floor(width / 4)));
  const seqWidth = Math.max(...rows.map((r) => r[1].length));
  return hits
    .map((h, i) => {
      const [name, seq, cid, time] = rows[i];
      const shown = [...name].length > nameWidth ? `${[...name].slice(0, nameWidth - 1).join('')}…` : name.padEnd(nameWidth);
      const head = `${shown}  ${seq.padStart(seqWidth)}  ${cid}  ${time}  `;
      const room = Math.max(10, width - [...head].length);
      return `${head}${paint(h, room, color)}\n`;
    })
    .join('');
}

/** A snippet cut to `room` characters, its marks bold yellow when coloured. */
function paint(h: SearchHit, room: number, color: boolean): string {
  const chars = [...h.snippet.text];
  const text = chars.length > room ? `${chars.slice(0, room - 1).join('')}…` : h.snippet.text;
  if (!color) return safe(text);
  let out = '';
  let at = 0;
  for (const [a, b] of h.snippet.marks) {
    if (a >= text.length) break;
    const end = Math.min(b, text.length);
    out += `${safe(text.slice(at, a))}\x1b[1;33m${safe(text.slice(a, end))}\x1b[0m`;
    at = end;
  }
  return out + safe(text.slice(at));
}

/** DATE as ms since the epoch: an ISO date or time, or N d/h/w/m ago (m: minutes). */
export function parseSince(text: string, now: number): number {
  const rel = /^(\d{1,6})([mhdw])$/.exec(text.trim());
  if (rel) return now - Number(rel[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[rel[2] as 'm' | 'h' | 'd' | 'w'];
  const t = Date.parse(text);
  if (!Number.isFinite(t)) throw new AgentlogError('E_INPUT', `--since: "${text}" is not a date (2025-09-24, 2025-09-24T10:00Z) nor an age (3d, 12h, 2w)`);
  return t;
}
