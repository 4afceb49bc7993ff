import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  AgentlogError,
  defaultSessionFiles,
  follow,
  importChanged,
  type ImportChangedSummary,
  type ImportFormat as Format,
  type ImportWarning,
  safe,
  sessionsRoot,
  shellQuote,
  sniffFormat,
  agentName,
} from '../../core/index.js';
import { defineCommand, type Context } from '../command.js';
import { progressLine, type Progress, ttyProgress } from '../progressBar.js';

export const importCommand = defineCommand({
  name: 'import',
  summary: 'import Claude Code or Codex CLI sessions (again: adds only what is new)',
  usage: 'agentlog import claude|codex [PATH…] [--all] [--follow] [--json]',
  help: `Imports session files as timelines, one commit per record, each event keeping its source record
(so export gives the file back). Timestamps come from the records, so importing the same file twice,
or on another machine, makes the same events and commits; the second time adds nothing.

Claude Code (~/.claude/projects/<project>/<id>.jsonl): timeline claude/<file name> (a name with
other characters than letters, digits, - and _ has them replaced by - and 8 hex digits of its
SHA-256 added); a branch of the
record tree (an edited prompt, a regenerated reply) is a fork claude/<name>.fork-<uuid8> sharing the
commits before it; sidechains and subagents (the <id>/subagents/ folder comes along with its main
file) are timelines claude/<name>.side-<uuid8> and claude/<name>.agent-<id>.
Codex (~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl, compressed after seven days to .jsonl.zst, and
~/.codex/archived_sessions/): timeline codex/<session id>.

PATH: session files or folders of them. With no PATH: the sessions in the agent's default location
whose recorded cwd lies in the folder that holds the store (--all: every project's).

A malformed, truncated or over-long line is skipped with a warning naming the file and line.

options:
  --all         with no PATH: every session, not only this project's
  --follow, -f  keep watching the files and append records as the agent writes them (with no PATH,
                sessions that start meanwhile too); Ctrl-C stops
  --json        print the summary as JSON on stdout`,
  options: { all: { type: 'boolean' }, follow: { type: 'boolean', short: 'f' }, json: { type: 'boolean' } },
  async run(ctx, values, positionals) {
    const [which, ...paths] = positionals;
    if (which !== 'claude' && which !== 'codex') {
      throw new AgentlogError('E_INPUT', `say which agent's sessions to import: agentlog import claude|codex [PATH…] (got "${which ?? ''}")`);
    }
    const format: Format = which;
    const store = ctx.store();
    const files = paths.length
      ? paths.flatMap((p) => expand(path.resolve(ctx.cwd, p), format))
      : defaultSessionFiles(format, ctx.env, values.all ? undefined : projectFolder(store.dir));
    // A file of the other agent would import as junk timelines: refuse before anything is written.
    for (const file of paths.length ? files : []) {
      const found = sniffFormat(file);
      if (found && found !== format) {
        throw new AgentlogError(
          'E_INPUT',
          `${file} is a ${agentName(found)} session, not a ${agentName(format)} one: agentlog import ${found} ${shellQuote([file])}`,
          {
            file,
          },
        );
      }
    }
    if (files.length === 0) {
      ctx.stderr.write(`agentlog import: no ${which} sessions found${paths.length ? '' : values.all ? '' : ` for ${projectFolder(store.dir)} (try --all)`}\n`);
      if (!values.follow) {
        // Nothing found is a result too: a script reads the same summary, all zeros.
        if (values.json) report(ctx, await importChanged(store, format, []), true);
        return 0;
      }
    }
    // A warning can quote the file (a JSON parser's message, a record's ids): no control characters.
    const warn = (w: ImportWarning) => ctx.stderr.write(`agentlog import: warning: ${safe(w.file)}${w.line ? `:${w.line}` : ''}: ${safe(w.message)}\n`);
    if (values.follow) {
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      ctx.stderr.write(`agentlog import: following ${files.length} file(s); Ctrl-C stops\n`);
      try {
        const within = values.all ? undefined : projectFolder(store.dir);
        await follow(store, format, files, {
          signal: controller.signal,
          warn,
          env: ctx.env,
          // With no PATH, sessions started after this one are followed too.
          discover: paths.length ? undefined : (known) => defaultSessionFiles(format, ctx.env, within, known),
          // A new session file is noticed at once (file-system events); the rescan stays as the fallback.
          watch: paths.length ? undefined : [sessionsRoot(format, ctx.env)],
          onDiscover: (found) => ctx.stderr.write(`agentlog import: following ${found.join(', ')}\n`),
          onImport: (s) => {
            ctx.stderr.write(`agentlog import: +${s.events.appended} event(s) on ${s.timelines.names.filter(Boolean).join(', ')}\n`);
            if (s.events.appended) ctx.scanLater(); // once following stops (cli/autoScan.ts)
          },
        });
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
      return 0;
    }
    // A file unchanged since the last import or capture is skipped unread; one that grew is read from where it grew.
    // Files done of all, megabytes, and the time left (cli/progressBar.ts); nothing when piped or with --json.
    const bar = ttyProgress<Progress>(
      ctx.stderr,
      !values.json,
      (p, ms) => progressLine(p, ms, ctx.stderr.columns),
      (p) => p.files >= p.totalFiles,
    );
    const summary = await importChanged(store, format, files, {
      warn: (w) => {
        bar.clear();
        warn(w);
      },
      progress: bar.update,
      env: ctx.env,
    });
    bar.clear();
    report(ctx, summary, !!values.json);
    if (summary.events.appended) ctx.scanLater(); // secrets: scanned after, never inside, the import (cli/autoScan.ts)
    return 0;
  },
});

/** A session file, or the session files in a folder (subagent files come with their main file). */
function expand(p: string, format: Format): string[] {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    throw new AgentlogError('E_INPUT', `${p}: no such file or folder`);
  }
  if (st.isFile()) return [p];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const q = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!(format === 'claude' && e.name === 'subagents')) walk(q);
      } else if (e.isFile() && (e.name.endsWith('.jsonl') || (format === 'codex' && e.name.endsWith('.jsonl.zst')))) out.push(q);
    }
  };
  walk(p);
  return out;
}

/** The folder a store belongs to: the folder that holds `.agentlog/`, or the store's own folder. */
function projectFolder(storeDir: string): string {
  return path.basename(storeDir) === '.agentlog' ? path.dirname(storeDir) : storeDir;
}

function report(ctx: Context, s: ImportChangedSummary, json: boolean): void {
  if (json) {
    ctx.stdout.write(`${JSON.stringify(s)}\n`);
    return;
  }
  const t = s.timelines;
  ctx.stderr.write(
    `imported ${s.sessions} session(s): ${t.created} timeline(s) created, ${t.extended} extended, ${t.unchanged} unchanged` +
      `${t.diverged ? `, ${t.diverged} left as they were (they hold other events)` : ''}; ` +
      `${s.events.appended} event(s) appended, ${s.events.present} already present; ${s.warnings.length} record(s) skipped or warned about` +
      `${s.files.unchanged ? `; ${s.files.unchanged} file(s) unchanged since the last import, not read` : ''}\n`,
  );
  const h = s.fileHistory;
  if (h && (h.checkpoints || h.unavailable || h.heldPlain)) {
    ctx.stderr.write(
      `Claude Code's file history: ${h.checkpoints} checkpoint(s) holding ${h.files} file backup(s)` +
        `${h.unavailable ? `; ${h.unavailable} backup(s) not on this machine (those files are left out; see agentlog restore)` : ''}` +
        `${h.outside ? `; ${h.outside} tracked file(s) outside the session's folder left out` : ''}` +
        `${h.heldPlain ? `; ${h.heldPlain} snapshot(s) imported before their backups were here stay as they were (no checkpoint there; stored events are never rewritten)` : ''}\n`,
    );
  }
  for (const name of t.names) ctx.stdout.write(`${name}\n`);
}
