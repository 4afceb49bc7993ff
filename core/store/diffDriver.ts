import * as fs from 'node:fs';
import { stringifyDagJson } from '../codec/dagjson.js';
import { openEvent } from '../event/event.js';
import { addInfoLine, editConfig, readConfig } from '../git/repo.js';

const ensureNewline = (text: string): string => (text && !text.endsWith('\n') ? `${text}\n` : text);

/**
 * The store's git diff driver, so that plain git prints events as text: `git log -p`, `git show` and
 * `git diff` run each event blob (`*.cbor`, I4) through `textconv`, which prints it as DAG-JSON. The
 * driver is registered in the store's own config (`[diff "agentlog"] textconv = …`) and
 * `info/attributes` (`*.cbor diff=agentlog`), never in a file of the timelines: nothing of it travels
 * with a push, and a store without it still reads (as "Binary files differ").
 */
const SECTION = 'diff "agentlog"';
const ATTRIBUTES = '*.cbor diff=agentlog';

/** Register (or update) the diff driver with `command` as its textconv (a shell command; git appends the file). */
export function registerDiffDriver(gitDir: string, command: string): void {
  if (readConfig(gitDir, 'diff.agentlog.textconv') !== command) {
    const value = `"${command.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
    editConfig(gitDir, (text) => `${withoutSection(text, SECTION)}[${SECTION}]\n\ttextconv = ${value}\n`);
  }
  addInfoLine(gitDir, 'attributes', 'agentlog: events as text in git log -p, git show, git diff', ATTRIBUTES);
}

/** A config text without the section `name` (its header and the lines up to the next header), ending in a newline. */
function withoutSection(text: string, name: string): string {
  const out: string[] = [];
  let skipping = false;
  for (const line of text.split('\n')) {
    const header = /^\s*\[([^\]]*)\]/.exec(line);
    if (header) skipping = header[1].trim() === name;
    if (!skipping) out.push(line);
  }
  return ensureNewline(out.join('\n').replace(/\n+$/, ''));
}

/** How large an event blob textconv reads (a bigger file is named, not printed). */
const MAX_TEXTCONV = 512 << 20;

/**
 * An event blob as git's textconv prints it: its CID and the event as indented DAG-JSON, or one line
 * saying why it is not an event (a file that is not canonical DAG-CBOR, too big, unreadable).
 */
export function eventBlobAsText(file: string): string {
  let bytes: Buffer;
  try {
    const size = fs.statSync(file).size;
    if (size > MAX_TEXTCONV) return `(${size} bytes: larger than agentlog textconv reads)\n`;
    bytes = fs.readFileSync(file);
  } catch (e) {
    return `(cannot read ${file}: ${(e as Error).message})\n`;
  }
  try {
    const e = openEvent(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), file);
    return `${stringifyDagJson({ cid: e.cid, ...e.event }, 2)}\n`;
  } catch (e) {
    return `(not an agentlog event, ${bytes.length} bytes: ${(e as Error).message})\n`;
  }
}
