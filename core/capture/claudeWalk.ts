import { isMessage, isTurn, type ClaudeRecord } from '../formats/claude/records.js';
import { UuidSet, type UuidFilter } from './uuidFilter.js';

/**
 * Where a Claude Code session's record tree stands after the records read so far, as much as is
 * needed to place the next record without reading the file again. core/import/planClaude.ts plans a
 * file whole: its main timeline is the path from the root to the last record that leads to a turn
 * (the "leaf"), with the records hanging off that path that lead to none (progress, hook and
 * tool-result siblings) and the records without a uuid that follow one of them. While every new
 * record hangs off the leaf or off a record hanging below it, the main timeline only grows by that
 * record, in file order, and the file makes no fork: this walk follows exactly that case and says
 * "no" to anything else (a second branch, a duplicate uuid, an inline sidechain, a message without a
 * uuid), when the caller imports the file whole instead.
 */
export interface ClaudeWalk {
  /** The uuid of the last record with a uuid (a record without one, or with no parent, hangs off it). */
  lastNode: string | null;
  /** The last record leading to a turn on the main path (null: none yet, the records before the first). */
  leaf: string | null;
  /** Records below the leaf that lead to no turn (yet). */
  hanging: string[];
  /** For the leaf and each hanging record: the nearest message at or above it (type, message id). */
  above: Record<string, { type: string; id?: string } | null>;
  /** Every uuid seen, as a filter (a repeated one is a case for the whole-file import; so is a false "seen"). */
  uuids: UuidFilter;
  /** Main files: whether an inline sidechain (Claude Code 1.0) is present (then: whole-file import). */
  main: boolean;
}

export function newWalk(main: boolean): ClaudeWalk {
  return { lastNode: null, leaf: null, hanging: [], above: {}, uuids: { layers: [] }, main };
}

/** A walk that can take records: its sets as sets, copied so that a refused record changes nothing. */
export class WalkCursor {
  private lastNode: string | null;
  private leaf: string | null;
  private hanging: Set<string>;
  private above: Map<string, { type: string; id?: string } | null>;
  private uuids: UuidSet;
  private readonly main: boolean;

  /** While the whole file is walked (the state made anew), the uuids themselves: no wrong "maybe". */
  private readonly exact?: Set<string>;

  constructor(w: ClaudeWalk, exact = false) {
    if (exact) this.exact = new Set();
    this.lastNode = w.lastNode;
    this.leaf = w.leaf;
    this.hanging = new Set(w.hanging);
    this.above = new Map(Object.entries(w.above));
    this.uuids = new UuidSet(w.uuids);
    this.main = w.main;
  }

  /**
   * Take the next record of the file: true when it extends the main timeline by itself; false when
   * the file must be planned whole (the cursor is then not to be used again).
   */
  take(v: ClaudeRecord): boolean {
    if (this.main && v.isSidechain === true) return false;
    const uuid = typeof v.uuid === 'string' ? v.uuid : undefined;
    if (uuid === undefined) {
      // Hangs off the record before it (planClaude.ts); a message without a uuid could start a branch.
      if (isMessage(v)) return false;
      return this.lastNode === null || this.onPath(this.lastNode);
    }
    if (this.seen(uuid)) return false;
    // The parent as planClaude.ts finds it: parentUuid, else logicalParentUuid (a compaction), when it
    // names a record read before; otherwise the record before it.
    const p = typeof v.parentUuid === 'string' ? v.parentUuid : undefined;
    const logical = typeof v.logicalParentUuid === 'string' ? v.logicalParentUuid : undefined;
    const q = p ?? logical;
    const parent = q !== undefined && this.seen(q) ? q : logical !== undefined && this.seen(logical) ? logical : this.lastNode;
    if (parent !== null && !this.onPath(parent)) return false;
    const aboveParent = parent === null ? null : (this.above.get(parent) ?? null);
    const parentMsg: ClaudeRecord | undefined = aboveParent
      ? { type: aboveParent.type, message: aboveParent.id !== undefined ? { id: aboveParent.id } : undefined }
      : undefined;
    const mine = isMessage(v) ? { type: v.type as string, ...(typeof v.message?.id === 'string' ? { id: v.message.id } : {}) } : aboveParent;
    if (isTurn(v, parentMsg)) {
      // The new leaf: what hung below the old one stays in the timeline, but nothing may grow from it.
      for (const h of this.hanging) this.above.delete(h);
      if (this.leaf !== null) this.above.delete(this.leaf);
      this.hanging.clear();
      this.leaf = uuid;
    } else {
      this.hanging.add(uuid);
    }
    this.above.set(uuid, mine);
    this.uuids.add(uuid);
    this.exact?.add(uuid);
    this.lastNode = uuid;
    return true;
  }

  /** Whether a uuid was seen: surely (the exact set), or maybe (the filter: a wrong yes only refuses a record). */
  private seen(uuid: string): boolean {
    return this.exact ? this.exact.has(uuid) : this.uuids.has(uuid);
  }

  /** The leaf, or a record hanging below it. */
  private onPath(uuid: string): boolean {
    return uuid === this.leaf || this.hanging.has(uuid);
  }

  state(): ClaudeWalk {
    return {
      lastNode: this.lastNode,
      leaf: this.leaf,
      hanging: [...this.hanging],
      above: Object.fromEntries(this.above),
      uuids: this.uuids.toJSON(),
      main: this.main,
    };
  }
}
