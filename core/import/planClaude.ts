import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { IpldValue } from '../codec/dagcbor.js';
import type { EventInput } from '../store/store.js';
import { claudeSubagentsDir, claudeWorkflowAgentFiles } from '../formats/claude/paths.js';
import {
  CLAUDE_FORMAT,
  contentBlocks,
  firstText,
  isMessage,
  isTurn,
  recordTs,
  spawnedAgentId,
  type ClaudeLine,
  type ClaudeRecord,
} from '../formats/claude/records.js';
import { claudeEvent, claudeGenesis, titleSettled } from '../formats/claude/toEvents.js';
import { readJsonl, type ImportWarning, type ReadOptions } from '../formats/jsonl.js';
import type { Lineage } from './lineage.js';
import type { Plan, PlannedTimeline } from './plan.js';

/**
 * The plan of importing a Claude Code session (`~/.claude/projects/<encoded cwd>/<session id>.jsonl`,
 * subagents in `<session id>/subagents/agent-<id>.jsonl`): which timelines its records make. The event
 * of each record and the genesis come from core/formats/claude/toEvents.ts.
 *
 * Records form a tree through `uuid`/`parentUuid` (`logicalParentUuid` bridges a compaction). A
 * timeline is one path from the root to a leaf of that tree, together with the records hanging off it
 * that lead to no message (progress and hook records, which Claude Code writes as dead-end children)
 * and the records without a uuid (file-history-snapshot, summary, queue-operation, …) that follow a
 * record of it in the file, all in file order. The path that takes the first-written branch at every
 * fork is the main timeline (`claude/<file stem>`); every other leaf is a fork (`claude/<stem>.fork-<uuid8>`, uuid of the fork's
 * first own record on its path) sharing the commits of the common prefix. Inline sidechains (1.0) and
 * subagent files (2.x) are their own sessions (`claude/<stem>.side-<uuid8>`, `claude/<stem>.agent-<id>`)
 * whose genesis `parent` names the timeline that started them and the Task call (`tool_use_id`, for
 * inline sidechains) or the agent id (subagent files; the main file's agent_progress records hold it).
 */

/** A record as planned: its line, the file it is in, its uuid and parent (when strings). */
interface Rec extends ClaudeLine {
  file: string;
  uuid?: string;
  parent?: string;
}

/** Plan a main session file (with its subagent files unless `withSubagents` is false), or one subagent file. */
export function planClaude(file: string, warn: (w: ImportWarning) => void, options: ReadOptions & { withSubagents?: boolean } = {}): Plan {
  const abs = path.resolve(file);
  const inSubagents = path.basename(path.dirname(abs)) === 'subagents';
  const stem = inSubagents ? path.basename(path.dirname(path.dirname(abs))) : path.basename(abs).replace(/\.jsonl$/, '');
  const base = `claude/${stemName(stem)}`;
  const timelines: PlannedTimeline[] = [];

  if (inSubagents) {
    // One subagent file alone: the same timeline as when it comes with its main file (whose uuids tell
    // where it starts, when that file is there).
    const mainFile = path.join(path.dirname(path.dirname(path.dirname(abs))), `${stem}.jsonl`);
    const mainUuids = new Set<string>();
    if (fs.existsSync(mainFile)) for (const r of load(mainFile, () => {}, options)) if (r.uuid && r.value.isSidechain !== true) mainUuids.add(r.uuid);
    const recs = planSubagent(abs, base, stem, mainUuids, warn, options, timelines);
    return { file: abs, format: CLAUDE_FORMAT, sessionId: sessionIdOf(recs) ?? stem, timelines };
  }

  const recs = load(abs, warn, options);
  const main = recs.filter((r) => r.value.isSidechain !== true);
  const side = recs.filter((r) => r.value.isSidechain === true);
  const mainUuids = new Set(main.flatMap((r) => (r.uuid ? [r.uuid] : [])));
  const mainName = base;
  // Inline sidechains (Claude Code 1.0): each root of the sidechain records is a Task's conversation,
  // matched to its Task call by the prompt.
  const taskByPrompt = new Map<string, string>();
  for (const r of main) {
    for (const b of contentBlocks(r.value)) {
      if (b.type === 'tool_use' && b.input && typeof (b.input as Record<string, unknown>).prompt === 'string') {
        taskByPrompt.set((b.input as Record<string, unknown>).prompt as string, b.id as string);
      }
    }
  }
  // The event that started a sidechain or subagent links to its timeline (`subagent.timeline`): the
  // Task's result. 2.x writes the agent id into that record (toolUseResult.agentId); for 1.0 the result
  // is found by tool_use_id, after the sidechain's first record. Both are known when the result is
  // written, so the link does not depend on how much of the file has been read.
  const spawned = new Map<Rec, string>();
  for (const r of main) {
    const agentId = spawnedAgentId(r.value);
    if (agentId !== undefined) spawned.set(r, `${base}.agent-${safeName(agentId)}`);
  }
  const sides: { group: Rec[]; name: string; link: Record<string, IpldValue> }[] = [];
  for (const group of splitRoots(side)) {
    const root = group[0];
    const prompt = firstText(root.value);
    const link: Record<string, IpldValue> = { timeline: mainName };
    const toolUse = prompt !== undefined ? taskByPrompt.get(prompt) : undefined;
    if (toolUse) link.tool_use_id = toolUse;
    if (root.parent && mainUuids.has(root.parent)) link.record = root.parent;
    const name = `${base}.side-${(root.uuid ?? `line${root.line}`).slice(0, 8)}`;
    sides.push({ group, name, link });
    if (toolUse) {
      const result = main.find((r) => r.line > root.line && contentBlocks(r.value).some((b) => b.type === 'tool_result' && b.tool_use_id === toolUse));
      if (result && !spawned.has(result)) spawned.set(result, name);
    }
  }
  // A fork file's first parent found in another session file is that fork's branch point, not a missing record.
  const from = parentElsewhere(abs, main);
  planTree(
    main,
    mainName,
    claudeGenesis(main, path.basename(abs), {}),
    new Set(from?.afterUuid ? [from.afterUuid] : []),
    warn,
    timelines,
    options.partialTail,
    spawned,
  );
  withLineage(timelines, mainName, sessionIdOf(recs) ?? stem, from);
  for (const { group, name, link } of sides) {
    planTree(group, name, claudeGenesis(group, path.basename(abs), { parent: link }), mainUuids, warn, timelines, options.partialTail);
  }

  // Subagent files (Claude Code 2.x), linked through the main file's agent_progress records.
  if (options.withSubagents !== false) {
    const dir = claudeSubagentsDir(abs);
    let files: string[] = [];
    try {
      files = fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.jsonl'))
        .sort();
    } catch {
      files = [];
    }
    for (const f of files) planSubagent(path.join(dir, f), base, stem, mainUuids, warn, options, timelines);
    planWorkflowAgents(abs, base, stem, mainUuids, warn, options, timelines);
  }
  return { file: abs, format: CLAUDE_FORMAT, sessionId: sessionIdOf(recs) ?? stem, timelines };
}

/**
 * The main timeline may continue another session under a new id (Claude Code's --fork-session copies
 * the records, uuids kept; agentlog's resume from an older point writes them under a new id): import
 * makes it a fork of that session's timeline (lineage.ts).
 */
function withLineage(timelines: PlannedTimeline[], mainName: string, sessionId: string, from: Lineage['forkedFrom']): void {
  const main = timelines.find((t) => t.name === mainName);
  if (main) main.lineage = { sessionId, prefix: 'claude/', genesisIsRecord: false, ...(from && { forkedFrom: from }) };
}

/** Session files over this size are not searched for a fork's parent record. */
const MAX_SEARCHED = 256 * 1024 * 1024;

/**
 * A fork file of Claude Code 2.1.x whose first record's parent is a record of another session file
 * beside it: that session's timeline and the record (the fork leaves it there). Searched only when the
 * parent is missing from the file (rare), in the files of the same project folder.
 */
function parentElsewhere(file: string, recs: Rec[]): Lineage['forkedFrom'] {
  const first = recs.find((r) => r.uuid);
  const parent = first?.parent;
  if (!parent || recs.some((r) => r.uuid === parent)) return undefined;
  const needle = `"uuid":${JSON.stringify(parent)}`;
  const dir = path.dirname(file);
  let names: string[];
  try {
    names = fs
      .readdirSync(dir)
      .filter((n) => n.endsWith('.jsonl') && n !== path.basename(file))
      .sort();
  } catch {
    return undefined;
  }
  for (const n of names) {
    const f = path.join(dir, n);
    try {
      if (fs.statSync(f).size > MAX_SEARCHED || !fs.readFileSync(f, 'utf8').includes(needle)) continue;
    } catch {
      continue;
    }
    return { timeline: `claude/${stemName(n.replace(/\.jsonl$/, ''))}`, afterUuid: parent };
  }
  return undefined;
}

/** Plan one subagent file (`<stem>/subagents/agent-<id>.jsonl`) as `claude/<stem>.agent-<id>`. */
function planSubagent(
  file: string,
  base: string,
  stem: string,
  mainUuids: Set<string>,
  warn: (w: ImportWarning) => void,
  options: ReadOptions,
  out: PlannedTimeline[],
): Rec[] {
  const sub = load(file, warn, options);
  const agent = path
    .basename(file)
    .replace(/^agent-/, '')
    .replace(/\.jsonl$/, '');
  // The Task call that started it is found through the main file's agent_progress records
  // (data.agentId); they may be written after the subagent's first records, so the link names the
  // agent id only and stays the same however much of the files has been read.
  const link: Record<string, IpldValue> = { timeline: base, agentId: agent };
  const first = sub.find((r) => r.uuid);
  if (first?.parent && mainUuids.has(first.parent)) link.record = first.parent;
  planTree(
    sub,
    `${base}.agent-${safeName(agent)}`,
    claudeGenesis(sub, `${stem}/subagents/${path.basename(file)}`, { parent: link }),
    mainUuids,
    warn,
    out,
    options.partialTail,
  );
  return sub;
}

/**
 * Plan the agents of the session's Workflow runs (Claude Code 2.1:
 * `<stem>/subagents/workflows/<run id>/agent-<id>.jsonl`) as subagent timelines
 * `claude/<stem>.agent-<id>`, whose genesis `parent` names the run (`workflow`) besides the session's
 * timeline and the agent id. The run's `journal.jsonl` (each agent's return value, for the run's own
 * replay) and the agents' `.meta.json` are not transcripts and are not imported.
 */
function planWorkflowAgents(
  mainFile: string,
  base: string,
  stem: string,
  mainUuids: Set<string>,
  warn: (w: ImportWarning) => void,
  options: ReadOptions,
  out: PlannedTimeline[],
): void {
  for (const [run, file] of claudeWorkflowAgentFiles(mainFile)) {
    const sub = load(file, warn, options);
    const agent = path
      .basename(file)
      .replace(/^agent-/, '')
      .replace(/\.jsonl$/, '');
    const name = `${base}.agent-${safeName(agent)}`;
    if (out.some((t) => t.name === name)) {
      warn({ file, message: `agent ${agent} also has a transcript in subagents/; this one is not imported` });
      continue;
    }
    const link: Record<string, IpldValue> = { timeline: base, agentId: agent, workflow: run };
    const first = sub.find((r) => r.uuid);
    if (first?.parent && mainUuids.has(first.parent)) link.record = first.parent;
    const genesis = claudeGenesis(sub, `${stem}/subagents/workflows/${run}/${path.basename(file)}`, { parent: link });
    planTree(sub, name, genesis, mainUuids, warn, out, options.partialTail);
  }
}

function load(file: string, warn: (w: ImportWarning) => void, options: ReadOptions): Rec[] {
  return readJsonl(file, warn, options).lines.map((l) => ({
    ...l,
    value: l.value as ClaudeRecord,
    file,
    uuid: typeof l.value.uuid === 'string' ? l.value.uuid : undefined,
    parent: typeof l.value.parentUuid === 'string' ? l.value.parentUuid : undefined,
  }));
}

function sessionIdOf(recs: Rec[]): string | undefined {
  for (const r of recs) if (typeof r.value.sessionId === 'string') return r.value.sessionId;
  return undefined;
}

/**
 * The timeline `import claude` makes of a session file's stem (`<session id>.jsonl`), or of one of its
 * subagent files (`agent-<agentId>.jsonl`): for adapters that write a session as import would.
 */
export function claudeTimelineName(stem: string, agentId?: string): string {
  const base = `claude/${stemName(stem)}`;
  return agentId === undefined ? base : `${base}.agent-${safeName(agentId)}`;
}

/**
 * The timeline name of a session file's stem: the stem itself when git accepts it as it is (Claude
 * Code names its files by session UUID), else its safe version plus 8 hex digits of the stem's
 * SHA-256, so that two stems that differ only in replaced characters ("a b", "a..b") stay two
 * timelines, under the same names on every machine.
 */
function stemName(stem: string): string {
  const safe = safeName(stem);
  return safe === stem ? safe : `${safe}-${createHash('sha256').update(stem).digest('hex').slice(0, 8)}`;
}

/** A git-ref-safe version of a file stem or agent id. */
function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+/, '') || 'session';
}

/** Sidechain records split into one group per root (a root: no parent among the sidechain records). */
function splitRoots(recs: Rec[]): Rec[][] {
  const uuids = new Set(recs.flatMap((r) => (r.uuid ? [r.uuid] : [])));
  const groupOf = new Map<string, Rec[]>();
  const groups: Rec[][] = [];
  for (const r of recs) {
    const parentGroup = r.parent && uuids.has(r.parent) ? groupOf.get(r.parent) : undefined;
    let g = parentGroup;
    if (g === undefined) {
      g = [];
      groups.push(g);
    }
    g.push(r);
    if (r.uuid) groupOf.set(r.uuid, g);
  }
  return groups;
}

/**
 * Plan the timelines of one tree of records (see the module comment) and add them to `out`. The
 * first timeline is the main one; the others are forks of the timeline they share the longest prefix
 * with.
 */
function planTree(
  recs: Rec[],
  name: string,
  genesis: EventInput,
  known: Set<string>,
  warn: (w: ImportWarning) => void,
  out: PlannedTimeline[],
  partial?: boolean,
  spawned?: Map<Rec, string>,
): void {
  if (recs.length === 0) return;
  // While the file is being written, wait for the record that names the session (the genesis needs it).
  if (partial && (!recs.some((r) => typeof r.value.sessionId === 'string') || !titleSettled(recs))) return;
  const byUuid = new Map<string, Rec>();
  for (const r of recs) {
    if (!r.uuid) continue;
    if (!byUuid.has(r.uuid)) byUuid.set(r.uuid, r);
    else warn({ file: r.file, line: r.line, message: `uuid ${r.uuid} repeats an earlier record's; kept, hanging off the record before it` });
  }
  // Effective parent of each record (index into recs), or -1 for "attached before any root".
  const parentIdx = new Array<number>(recs.length).fill(-1);
  const index = new Map<Rec, number>(recs.map((r, i) => [r, i]));
  let lastNode = -1;
  for (let i = 0; i < recs.length; i++) {
    const r = recs[i];
    if (!r.uuid || byUuid.get(r.uuid) !== r) {
      // No uuid (snapshot, summary, queue-operation, …): hangs off the record before it.
      parentIdx[i] = lastNode;
      continue;
    }
    const p = r.parent ?? (typeof r.value.logicalParentUuid === 'string' ? r.value.logicalParentUuid : undefined);
    const logical = typeof r.value.logicalParentUuid === 'string' ? byUuid.get(r.value.logicalParentUuid) : undefined;
    const parent = (p && byUuid.get(p)) || logical;
    if (parent && index.get(parent)! < i) {
      parentIdx[i] = index.get(parent)!;
    } else {
      if (p && !known.has(p)) {
        warn({ file: r.file, line: r.line, message: `parent ${p} is not in this session's files; the record continues from the record before it` });
      }
      parentIdx[i] = lastNode; // a further root continues the conversation from the record before it
    }
    lastNode = i;
  }

  // Which records lead to a turn (their subtree holds one). A parent always comes before its child in
  // `recs`, so one pass forward finds each record's nearest message above, one pass back the rest.
  const messageAbove = new Array<number>(recs.length).fill(-1);
  for (let i = 0; i < recs.length; i++) {
    const p = parentIdx[i];
    messageAbove[i] = p < 0 ? -1 : isMessage(recs[p].value) ? p : messageAbove[p];
  }
  const leadsToMessage = recs.map((r, i) => isTurn(r.value, messageAbove[i] >= 0 ? recs[messageAbove[i]].value : undefined));
  for (let i = recs.length - 1; i >= 0; i--) if (leadsToMessage[i] && parentIdx[i] >= 0) leadsToMessage[parentIdx[i]] = true;
  const hasMessageChild = new Array<boolean>(recs.length).fill(false);
  for (let i = 0; i < recs.length; i++) if (leadsToMessage[i] && parentIdx[i] >= 0) hasMessageChild[parentIdx[i]] = true;
  let leaves = recs.map((_, i) => i).filter((i) => leadsToMessage[i] && !hasMessageChild[i]);
  if (leaves.length === 0) leaves = [recs.length - 1];
  // The "spine" of a record: the nearest ancestor (or itself) that leads to a message; -1 when none
  // (records before any message): those are in every timeline of the tree.
  const spine = new Array<number>(recs.length);
  for (let i = 0; i < recs.length; i++) spine[i] = leadsToMessage[i] ? i : parentIdx[i] < 0 ? -1 : spine[parentIdx[i]];

  // The main timeline follows, at every fork, the branch written first; a branch written later is a
  // fork. Appending to the file never changes which branch is main (names stay stable in follow mode).
  const paths = leaves.map((leaf) => {
    const p: number[] = [];
    for (let i = leaf; i >= 0; i = parentIdx[i]) p.push(i);
    return p.reverse();
  });
  paths.sort((a, b) => {
    for (let k = 0; k < Math.min(a.length, b.length); k++) if (a[k] !== b[k]) return a[k] - b[k];
    return a.length - b.length;
  });
  const lists: number[][] = [];
  for (const p of paths) {
    const onPath = new Set(p);
    lists.push(recs.map((_, i) => i).filter((i) => spine[i] === -1 || onPath.has(spine[i])));
  }

  // Events per record index are the same in every timeline except for `ts` fallbacks, which follow
  // the timeline's own order; build them per timeline.
  const planned: { name: string; list: number[] }[] = [];
  const memo = new Map<number, EventInput>();
  for (const list of lists) {
    // The first is the main timeline; each later one a fork of the planned one it shares most with.
    let timeline = name;
    let fork: PlannedTimeline['fork'];
    if (planned.length > 0) {
      let best = 0;
      let bestLen = -1;
      for (let k = 0; k < planned.length; k++) {
        const other = planned[k].list;
        let n = 0;
        while (n < list.length && n < other.length && list[n] === other[n]) n++;
        if (n > bestLen) {
          bestLen = n;
          best = k;
        }
      }
      const own = list.slice(bestLen).find((i) => leadsToMessage[i] && recs[i].uuid) ?? list[bestLen];
      // Named by the first 8 characters of the uuid of its first own record (the whole uuid when another
      // fork of this tree has those 8 already).
      const id = recs[own]?.uuid ?? `line${recs[own]?.line}`;
      const short = `${name}.fork-${safeName(id.slice(0, 8))}`;
      timeline = planned.some((p) => p.name === short) ? `${name}.fork-${safeName(id)}` : short;
      fork = { of: planned[best].name, shared: bestLen + 1 };
    }
    const events = [genesis, ...eventsFor(recs, list, genesis.ts as number, spawned, memo)];
    out.push({ name: timeline, events, lines: [undefined, ...list.map((i) => recs[i].line)], ...(fork && { fork }) });
    planned.push({ name: timeline, list });
  }
}

/** The events of a timeline's records; `memo` shares them between the timelines of a tree. */
function eventsFor(recs: Rec[], list: number[], startTs: number, spawned: Map<Rec, string> | undefined, memo: Map<number, EventInput>): EventInput[] {
  let ts = startTs;
  return list.map((i) => {
    const t = recordTs(recs[i].value);
    if (t !== undefined) ts = t;
    const known = memo.get(i);
    if (known && known.ts === ts) return known;
    const e = claudeEvent(recs[i].value, ts);
    const sub = spawned?.get(recs[i]);
    if (sub) e.subagent = { timeline: sub };
    memo.set(i, e);
    return e;
  });
}
