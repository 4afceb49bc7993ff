import { type Progress, safe, type SyncReport, type TimelineResult } from '../../core/index.js';
import type { Context, Output } from '../command.js';
import { toJson } from '../format.js';

/** One line per timeline, as a person reads it. */
export function describe(r: TimelineResult): string {
  switch (r.status) {
    case 'up-to-date':
      return 'up to date';
    case 'new':
      return `new (${r.new?.slice(0, 10)})`;
    case 'fast-forwarded':
      return `fast-forwarded ${r.old?.slice(0, 10)}..${r.new?.slice(0, 10)}`;
    case 'ahead':
      return 'ahead of the remote (push to publish)';
    case 'pushed':
      return r.old ? `pushed ${r.old.slice(0, 10)}..${r.new?.slice(0, 10)}` : `pushed (new on the remote, ${r.new?.slice(0, 10)})`;
    case 'forked':
      return `diverged: the remote's version keeps the name; yours was kept as fork ${r.fork}`;
    case 'rejected':
      return `rejected by the remote (${r.reason})`;
  }
}

/** What a sync did to the allow list, in words; undefined when nothing worth a line (up to date). */
function allowLine(a: NonNullable<SyncReport['allow']>): string | undefined {
  const gained = a.added ? ` (+${a.added} ${a.added === 1 ? 'entry' : 'entries'} from the remote)` : '';
  switch (a.status) {
    case 'up-to-date':
    case 'ahead':
      return undefined;
    case 'new':
      return `taken from the remote${gained}`;
    case 'fast-forwarded':
      return `fast-forwarded${gained}`;
    case 'merged':
      return `merged with the remote's (union of entries)${gained}`;
    case 'pushed':
      return `pushed${gained}`;
    case 'rejected':
      return `rejected by the remote (${safe(a.reason ?? '')})`;
  }
}

/** The order and words of the summary line's counts. */
const COUNTS: Array<[TimelineResult['status'], string]> = [
  ['pushed', 'pushed'],
  ['new', 'new'],
  ['fast-forwarded', 'fast-forwarded'],
  ['ahead', 'ahead of the remote'],
  ['forked', 'diverged (kept as forks)'],
  ['rejected', 'rejected'],
  ['up-to-date', 'up to date'],
];

/**
 * Print a report as one summary line on stderr (`push origin: 1 pushed, 25 up to date`), with a line
 * per timeline on stdout for what needs a look (diverged, rejected), for every timeline that changed
 * when stdout is piped (tab-separated: name, status, fork, description), and for all with -v; or --json.
 */
export function printReport(ctx: Context, report: SyncReport, json: boolean, verb: string, verbose = false): number {
  const rejected = report.timelines.filter((t) => t.status === 'rejected').length + (report.allow?.status === 'rejected' ? 1 : 0);
  if (json) {
    ctx.stdout.write(`${toJson(report)}\n`);
    return rejected ? 1 : 0;
  }
  const shown = report.timelines.filter((t) => verbose || t.status === 'forked' || t.status === 'rejected' || (!ctx.stdout.isTTY && t.status !== 'up-to-date'));
  const width = Math.max(0, ...shown.map((t) => t.name.length));
  for (const t of shown) {
    // Names come from the remote: no control characters reach the terminal.
    const name = safe(t.name);
    ctx.stdout.write(
      ctx.stdout.isTTY ? `${name.padEnd(width)}  ${safe(describe(t))}\n` : `${name}\t${t.status}\t${safe(t.fork ?? '')}\t${safe(describe(t))}\n`,
    );
  }
  const remote = safe(report.remote || report.url);
  const allow = report.allow && allowLine(report.allow);
  if (allow) ctx.stderr.write(`${verb} ${remote}: allow list ${allow}\n`);
  if (!report.timelines.length) {
    ctx.stderr.write(`${verb} ${remote}: no timelines on either side\n`);
    return rejected ? 1 : 0;
  }
  const counts = COUNTS.map(([status, words]) => [report.timelines.filter((t) => t.status === status).length, words] as const)
    .filter(([n]) => n > 0)
    .map(([n, words]) => `${n} ${words}`);
  ctx.stderr.write(`${verb} ${remote}: ${counts.join(', ')}\n`);
  const ahead = report.timelines.filter((t) => t.status === 'ahead').length;
  if (ahead && verb === 'pull') ctx.stderr.write(`publish what is ahead with: agentlog push ${remote}\n`);
  const fork = report.timelines.find((t) => t.status === 'forked')?.fork;
  if (fork) ctx.stderr.write(`nothing was merged or lost; read a kept fork with: agentlog show ${safe(fork)}\n`);
  return rejected ? 1 : 0;
}

/** Progress (phase, objects, bytes) on stderr, only when it is a terminal. */
export function progressOn(out: Output): Progress | undefined {
  if (!out.isTTY) return undefined;
  let last = 0;
  let open = '';
  return (phase, loaded, total) => {
    const now = Date.now();
    const done = total !== undefined && loaded >= total;
    if (phase === open && now - last < 100 && !done) return;
    if (open && phase !== open) out.write('\n');
    last = now;
    open = phase;
    // packing (ours), fetching and pushing (the git CLI's) count objects; the others count bytes.
    const what =
      phase === 'packing' || phase === 'fetching' || phase === 'pushing'
        ? `${loaded}${total ? `/${total}` : ''} objects`
        : phase === 'indexing'
          ? 'objects received…'
          : phase === 'waiting'
            ? `the remote has been working for ${loaded} s…`
            : `${mib(loaded)}${total ? ` of ${mib(total)}` : ''}`;
    out.write(`\r\x1b[K${phase}: ${what}`);
    if (done || phase === 'indexing') {
      out.write('\n');
      open = '';
    }
  };
}

function mib(n: number): string {
  return n < 1 << 20 ? `${(n / 1024).toFixed(0)} KiB` : `${(n / (1 << 20)).toFixed(1)} MiB`;
}

export const TRANSPORT_HELP = `URLs: http:// and https:// remotes are spoken to directly (smart HTTP over Node's own
http/https client): no git CLI needed. Other URLs (a folder path, file://, ssh://, user@host:path) go
through the git CLI, which must then be installed.

Credentials (http/https): AGENTLOG_TOKEN (sent as the password, with AGENTLOG_USERNAME, default
x-access-token), else git's credential helper when git is installed. They are never printed and never
stored in the store.

Time (http/https): a server may be silent for minutes while it indexes a pushed pack or counts objects
for a clone; agentlog waits (a terminal shows how long) and no idle time-out ends a transfer. One
request may take at most AGENTLOG_HTTP_TIMEOUT seconds (default 14400, 4 hours). When the answer to a
push is lost, the remote's refs are read again: what it applied is reported pushed.`;
