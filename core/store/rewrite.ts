import type { StoredEvent } from '../event/event.js';
import type { PackObject } from '../git/objects.js';
import { buildCommit } from './buildCommit.js';
import { spine } from './eventsTree.js';
import { commitInfo } from './history.js';
import { DIR_MODE, WORKSPACE_DIR } from './layout.js';
import { writeObjects } from './publish.js';
import { readTree } from './readObject.js';
import type { StoreContext } from './types.js';

/**
 * The commits of events sealed after `parent` (a commit of the store; undefined: from genesis), built
 * by the normal commit path (buildCommit: the same trees, subject, trailers, author and date an append
 * writes, I3–I5, I16) and written as one pack (I9). No ref moves: the caller publishes the returned
 * commits (a redaction, core/secrets/redact.ts). Each event must carry seq parent+1, +2, … and a
 * prev chaining them (the caller seals them so). Returns each event's commit, in order.
 */
export function writeChain(ctx: StoreContext, parent: string | undefined, events: readonly StoredEvent[]): { commits: string[]; release: () => void } {
  let path = parent ? spine(ctx, parent) : [];
  let workspace = parent ? readTree(ctx, commitInfo(ctx, parent).commit.tree).find((e) => e.name === WORKSPACE_DIR && e.mode === DIR_MODE)?.oid : undefined;
  let at = parent;
  const objects: PackObject[] = [];
  const commits: string[] = [];
  for (const sealed of events) {
    const built = buildCommit(sealed, path, at, objects, workspace);
    path = built.spine;
    workspace = built.workspace;
    at = built.oid;
    commits.push(built.oid);
  }
  return { commits, release: writeObjects(ctx, objects) };
}
