import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { Readable } from 'node:stream';
import { AgentlogError, type EventInput, type IpldValue, parseDagJson } from '../../core/index.js';
import { defineCommand } from '../command.js';

const ROLES = ['user', 'assistant', 'system'];

export const append = defineCommand({
  name: 'append',
  summary: 'append events to a timeline (one commit each); prints each CID',
  usage: 'agentlog append NAME (--role user|assistant|system --text TEXT | --json FILE|-)',
  help: `--role R --text T   append one message event (role R, one text block); prints its CID
--json FILE|-       append the events in FILE (or standard input): one JSON object, or JSONL (one
                    object a line). DAG-JSON: {"/": "<cid>"} is a link, {"/": {"bytes": "<base64>"}}
                    bytes. Each needs a "kind"; agentlog fills v, seq, prev and, when absent, ts.
                    One commit per event; each CID is printed as soon as its commit is on the
                    timeline, so a pipe shows progress live. A malformed line stops the command
                    with its line number; the events before it stay appended, nothing after it is.

examples:
  agentlog append fix-login --role user --text "Why does login fail?"
  echo '{"kind":"note","text":"looks right"}' | agentlog append fix-login --json -`,
  options: { role: { type: 'string' }, text: { type: 'string' }, json: { type: 'string' }, model: { type: 'string' } },
  maxPositionals: 1,
  async run(ctx, values, [name]) {
    if (!name) throw new AgentlogError('E_INPUT', 'name the timeline to append to: agentlog append NAME …');
    const store = ctx.store();
    // A timeline only a remote-tracking ref holds (a plain git clone) gets its local branch first.
    if (!(await store.ensureLocal(name))) throw new AgentlogError('E_REF', `no timeline named ${name} (see: agentlog ls; start one with: agentlog new)`);
    if (values.json !== undefined) {
      if (values.role !== undefined || values.text !== undefined) throw new AgentlogError('E_INPUT', '--json cannot be combined with --role/--text');
      const file = values.json;
      const label = file === '-' ? 'standard input' : file;
      const stream = file === '-' ? ctx.stdin() : openFile(path.resolve(ctx.cwd, file));
      // Each event is handed to the store as soon as it is parsed, without waiting for the one
      // before: the store writes the events waiting together in one go (one commit each, one move
      // of the branch). CIDs are printed in order as their commits become reachable. The chain stops
      // the events after a failed one.
      const chain = {};
      let printed: Promise<void> = Promise.resolve();
      let failure: unknown;
      try {
        for await (const { value, line } of jsonValues(stream, label)) {
          if (failure) break;
          const where = `${label} line ${line}`;
          const pending = store.append(name, toInput(value, where), { chain });
          printed = printed.then(() =>
            pending.then(
              (done) => void ctx.stdout.write(`${done.cid}\n`),
              (e) => {
                failure ??= e instanceof AgentlogError && e.code !== 'E_CHAIN' ? new AgentlogError(e.code, `${where}: ${e.message}`, e.data) : e;
              },
            ),
          );
        }
      } finally {
        await printed;
      }
      if (failure) throw failure;
      return 0;
    }
    const role = values.role;
    const text = values.text;
    if (!role || text === undefined) throw new AgentlogError('E_INPUT', 'give --role and --text, or --json FILE|- (see: agentlog append --help)');
    if (!ROLES.includes(role)) throw new AgentlogError('E_INPUT', `--role must be one of ${ROLES.join(', ')}, not "${role}"`);
    const input: EventInput = { kind: 'message', role, content: [{ type: 'text', text }] };
    if (values.model) input.model = values.model;
    const done = await store.append(name, input);
    ctx.stdout.write(`${done.cid}\n`);
    return 0;
  },
});

function openFile(file: string): Readable {
  if (!fs.existsSync(file)) throw new AgentlogError('E_INPUT', `${file}: no such file`);
  // Big reads: the events of one read are handed to the store together and written as one batch.
  return fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
}

function toInput(value: IpldValue, where: string): EventInput {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) {
    throw new AgentlogError('E_INPUT', `${where}: an event must be a JSON object`);
  }
  const obj = value as Record<string, IpldValue>;
  if (typeof obj.kind !== 'string' || !obj.kind) throw new AgentlogError('E_INPUT', `${where}: the event has no "kind" (a non-empty string)`);
  if (obj.ts !== undefined && !Number.isSafeInteger(obj.ts)) throw new AgentlogError('E_INPUT', `${where}: "ts" must be integer milliseconds`);
  return obj as EventInput;
}

/**
 * JSON values from a stream: one per line (JSONL), or one object spread over several lines. A
 * value that fails to parse is an error naming its line.
 */
export async function* jsonValues(stream: NodeJS.ReadableStream, label: string): AsyncGenerator<{ value: IpldValue; line: number }> {
  const rl = readline.createInterface({ input: stream, crlfDelay: Infinity });
  let lines: string[] = [];
  let start = 0;
  let n = 0;
  // Bracket depth outside strings, carried across lines: a value is parsed once, when it closes
  // (re-parsing a growing multi-line object at every line would be quadratic).
  let depth = 0;
  let inString = false;
  let escaped = false;
  for await (const text of rl) {
    n++;
    if (!lines.length && !text.trim()) continue;
    if (!lines.length) {
      start = n;
      // The usual case, one object a line: parse it at once, without scanning its brackets first.
      // Only a line that does not parse is scanned, to tell a multi-line value's start from an error.
      if (text.charCodeAt(text.length - 1) === 0x7d) {
        let value: IpldValue | undefined;
        try {
          value = parseDagJson(text, `${label} line ${n}`);
        } catch {
          value = undefined;
        }
        if (value !== undefined) {
          yield { value, line: n };
          continue;
        }
      }
    }
    lines.push(text);
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 0x5c) escaped = true;
        else if (c === 0x22) inString = false;
      } else if (c === 0x22) inString = true;
      else if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) depth--;
    }
    if (depth > 0 && !inString) continue;
    const buffer = lines.join('\n');
    lines = [];
    depth = 0;
    inString = false;
    escaped = false;
    try {
      yield { value: parseDagJson(buffer, `${label} line ${start}`), line: start };
    } catch (e) {
      rl.close();
      throw e;
    }
  }
  if (lines.length) throw new AgentlogError('E_INPUT', `${label} line ${start}: incomplete JSON at the end of the input`);
}
