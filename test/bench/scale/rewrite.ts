/**
 * One copy of a template's lines made into another session's: every id fresh, times moved, text
 * varied. A `Rewrite` serves one copy of one template (a chunk): within it, the same old id always
 * becomes the same new id in every file and every field (uuid and parentUuid, leafUuid, tool call ids
 * in a tool_use and its tool_result, the agent id in a subagent's file name, its records and the main
 * file's progress records), so links hold; a second copy of the same template gets other ids.
 *
 * Ids are found in the raw line by their shapes: UUIDs (8-4-4-4-12 hex), prefixed ids (`toolu_…`,
 * `msg_…`, `req_…`, `call_…`), and the agent ids the chunk's files name. Text is varied in the parsed
 * record: in strings of prose or code (a space in them, 24 characters or more, not an id, signature
 * or base64 field), about one word in five is swapped for another word of the templates, chosen from
 * the string itself and the chunk's seed, so that equal strings stay equal within a chunk (a Task's
 * prompt and its sidechain's first message) and copies of a template do not compress as copies.
 */
import { mulberry32 } from '../events.js';

const UUID = /\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b/g;
const PREFIXED = /\b(toolu|srvtoolu|msg|req|call|fc|rs|resp)_([A-Za-z0-9]{2,})\b/g;
const ISO = /\b(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?Z\b/g;
/** A whole run of letters, not an escape's letter (a JSON text inside a string: `\\n`, `\\uabcd`). */
const WORD = /(?<![\\\w])[A-Za-z]{4,}(?!\w)/g;
const HEX = '0123456789abcdef';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Fields whose strings are not text to vary. */
const KEEP = new Set(['signature', 'data', 'encrypted_content', 'uuid', 'parentUuid', 'sessionId', 'cwd', 'id', 'timestamp', 'type', 'name', 'model']);

export class Rewrite {
  private readonly ids = new Map<string, string>();
  private readonly agents: Map<string, string>;
  private readonly agentRe: RegExp | undefined;
  private readonly rnd: () => number;

  /**
   * `fixed` pins ids (the template's session id to the generated session's); `agentIds` are the
   * chunk's agent ids (file names and `agentId` fields); `shiftMs` (whole seconds) moves every timestamp.
   */
  constructor(
    private readonly seed: number,
    fixed: Record<string, string>,
    agentIds: string[],
    private readonly shiftMs: number,
    private readonly words: string[],
  ) {
    this.rnd = mulberry32(seed);
    for (const [k, v] of Object.entries(fixed)) this.ids.set(k, v);
    // `aac57f5`, `acompact-946d2b`: the last run of hex digits is the id's own part.
    this.agents = new Map(agentIds.map((a) => [a, a.replace(/[0-9a-f]+$/, (run) => run.replace(/./g, () => HEX[Math.floor(this.rnd() * 16)]))]));
    this.agentRe = agentIds.length
      ? new RegExp(
          `\\b(${[...this.agents.keys()]
            .sort((a, b) => b.length - a.length)
            .map(escapeRe)
            .join('|')})\\b`,
          'g',
        )
      : undefined;
  }

  /** The new id of agent `id`. */
  agent(id: string): string {
    return this.agents.get(id) ?? id;
  }

  /** A fresh UUID shaped like `old` (same version and variant digits). */
  uuid(old: string): string {
    let id = this.ids.get(old);
    if (id === undefined) {
      id = old.replace(/[0-9a-fA-F]/g, (c, i: number) => (i === 14 || i === 19 ? c.toLowerCase() : HEX[Math.floor(this.rnd() * 16)]));
      this.ids.set(old, id);
    }
    return id;
  }

  /** One line rewritten (JSON in, JSON out). */
  line(text: string): string {
    let s = text.replace(UUID, (m) => this.uuid(m));
    s = s.replace(PREFIXED, (m, prefix: string, rest: string) => {
      let id = this.ids.get(m);
      if (id === undefined) {
        id = `${prefix}_${rest.replace(/./g, () => ALNUM[Math.floor(this.rnd() * ALNUM.length)])}`;
        this.ids.set(m, id);
      }
      return id;
    });
    if (this.agentRe) s = s.replace(this.agentRe, (m) => this.agents.get(m) ?? m);
    if (this.shiftMs) s = s.replace(ISO, (m) => shiftIso(m, this.shiftMs));
    return JSON.stringify(this.vary(JSON.parse(s) as unknown, ''));
  }

  private vary(v: unknown, key: string): unknown {
    if (typeof v === 'string') return v.length >= 24 && !KEEP.has(key) && /\s/.test(v) && !/^[A-Za-z0-9+/=]+$/.test(v) ? this.text(v) : v;
    if (Array.isArray(v)) return v.map((x) => this.vary(x, key));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = this.vary(x, k);
      return out;
    }
    return v;
  }

  /** `s` with about one word in five swapped, the same for the same string within this chunk. */
  private text(s: string): string {
    const rnd = mulberry32(fnv(s) ^ this.seed);
    return s.replace(WORD, (w) => {
      if (rnd() >= 0.2) return w;
      const n = this.words[Math.floor(rnd() * this.words.length)];
      return w[0] >= 'A' && w[0] <= 'Z' ? n[0].toUpperCase() + n.slice(1) : n;
    });
  }
}

/** The words of the templates' text: what swapped words are drawn from. */
export function vocabulary(lines: Iterable<string>, max = 20_000): string[] {
  const seen = new Set<string>();
  for (const l of lines) {
    for (const m of l.matchAll(/\b[a-z]{4,12}\b/g)) {
      seen.add(m[0]);
      if (seen.size >= max) return [...seen];
    }
  }
  return [...seen];
}

/** The first timestamp of a set of lines, in ms (undefined when none). */
export function firstTime(lines: string[]): number | undefined {
  for (const l of lines) {
    const m = /"timestamp":"([^"]+)"/.exec(l);
    if (m) {
      const t = Date.parse(m[1]);
      if (Number.isFinite(t)) return t;
    }
  }
  return undefined;
}

/** The last timestamp of a set of lines, in ms. */
export function lastTime(lines: string[]): number | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /"timestamp":"([^"]+)"/.exec(lines[i]);
    if (m) {
      const t = Date.parse(m[1]);
      if (Number.isFinite(t)) return t;
    }
  }
  return undefined;
}

/** An ISO time moved by whole seconds, its fraction digits kept as written. */
function shiftIso(m: string, shiftMs: number): string {
  const whole = Date.parse(`${m.slice(0, 19)}Z`);
  if (!Number.isFinite(whole)) return m;
  return `${new Date(whole + shiftMs).toISOString().slice(0, 19)}${m.slice(19)}`;
}

/** 32-bit FNV-1a of a string's UTF-16 units. */
function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The agent ids a template's lines name (`"agentId":"…"`), besides those of its subagent files' names. */
export function agentIdsIn(lines: string[]): string[] {
  const ids = new Set<string>();
  for (const l of lines) for (const m of l.matchAll(/"agentId":"([A-Za-z0-9_-]{4,64})"/g)) ids.add(m[1]);
  return [...ids];
}
