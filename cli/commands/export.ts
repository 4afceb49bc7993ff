import * as fs from 'node:fs';
import * as path from 'node:path';
import { AgentlogError, exportTimeline, safe, scanOutgoing, secretsRefusal, toJsonl } from '../../core/index.js';
import { defineCommand } from '../command.js';
import { toJson } from '../format.js';
import { readRev, warnIfUnsound } from '../readRev.js';

export const exportCommand = defineCommand({
  name: 'export',
  summary: 'write a timeline as a Claude Code or Codex session file',
  usage: 'agentlog export claude|codex [REV] [--out FILE] [--session-id ID] [--cwd DIR] [--allow-secrets] [--json]',
  help: `Writes the session file of the timeline as of REV (default: the checked-out timeline, else the one
appended to last) to stdout, or to FILE.

An imported timeline gives back the original records of its branch, in order (each equal, as parsed
JSON, to the original line). A timeline holding what looks like a secret is refused, as push refuses
it (agentlog scan --help). Other events (appended with agentlog, or imported from the other agent)
are written as that agent's records: messages, tool calls and their results, images, compactions.

options:
  --out FILE        write to FILE instead of stdout
  --session-id ID   the session id to write (default: the imported one)
  --cwd DIR         rewrite the recorded cwd to DIR
  --allow-secrets   write it even when it holds what looks like a secret (see agentlog scan)
  --json            with --out: {file, format, sessionId, records} on stdout (without --out, stdout is
                    the session file itself, JSON lines already)`,
  options: {
    out: { type: 'string', short: 'o' },
    'session-id': { type: 'string' },
    cwd: { type: 'string' },
    json: { type: 'boolean' },
    'allow-secrets': { type: 'boolean' },
  },
  maxPositionals: 2,
  async run(ctx, values, positionals) {
    const [which, rev] = positionals;
    if (which !== 'claude' && which !== 'codex') {
      throw new AgentlogError('E_INPUT', `say which format: agentlog export claude|codex [REV] (got "${which ?? ''}")`);
    }
    if (values.json && !values.out) {
      throw new AgentlogError(
        'E_INPUT',
        'without --out the session file itself goes to stdout; for a JSON result name the file: agentlog export … --out FILE --json',
      );
    }
    const store = ctx.store();
    const r = readRev(ctx, store, rev);
    warnIfUnsound(ctx, store, r);
    const { commit } = r;
    if (!values['allow-secrets']) {
      // What leaves the store is scanned first (issue 13); a tip scanned clean before is not scanned again.
      const { dirty } = await scanOutgoing(store, [{ name: r.timeline ?? commit, next: commit }]);
      if (dirty.length) throw secretsRefusal(dirty, 'export');
    }
    const exported = exportTimeline(store, commit, which, {
      sessionId: values['session-id'],
      cwd: values.cwd ? path.resolve(ctx.cwd, values.cwd) : undefined,
      defaultCwd: path.basename(store.dir) === '.agentlog' ? path.dirname(store.dir) : store.dir,
    });
    if (exported.cwdDefaulted && which === 'codex') {
      ctx.stderr.write(
        `agentlog export: the timeline records no cwd; wrote ${safe(exported.cwd ?? '')} (the folder that holds the store; --cwd DIR names another)\n`,
      );
    }
    const text = toJsonl(exported.records);
    if (values.out) {
      const out = path.resolve(ctx.cwd, values.out);
      fs.writeFileSync(out, text);
      ctx.stderr.write(`wrote ${exported.records.length} record(s) of session ${safe(exported.sessionId)} to ${out}\n`);
      if (values.json) ctx.stdout.write(`${toJson({ file: out, format: which, sessionId: exported.sessionId, records: exported.records.length })}\n`);
    } else {
      ctx.stdout.write(text);
    }
    return 0;
  },
});
