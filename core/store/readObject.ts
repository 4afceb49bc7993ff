import { AgentlogError } from '../errors.js';
import { openEvent, type StoredEvent } from '../event/event.js';
import { parseCommit, type Commit } from '../git/commit.js';
import type { GitObject } from '../git/objects.js';
import { parseTree, type TreeEntry } from '../git/tree.js';
import type { StoreContext } from './types.js';

// Reading one git object of a known type from the store's object database.

/** A git object that must be of `type`; E_OBJECT when it is missing, corrupt or of another type. */
export function readObject(ctx: StoreContext, oid: string, type: 'blob' | 'tree' | 'commit'): GitObject {
  const obj = ctx.objects.read(oid);
  if (obj.type !== type) throw new AgentlogError('E_OBJECT', `git object ${oid} is a ${obj.type}, not a ${type}`, { oid });
  return obj;
}

export function readCommit(ctx: StoreContext, oid: string): Commit {
  return parseCommit(readObject(ctx, oid, 'commit').content, oid);
}

export function readTree(ctx: StoreContext, oid: string): TreeEntry[] {
  return parseTree(readObject(ctx, oid, 'tree').content, oid);
}

/** The event in a blob, decoded strictly, its CID computed from the bytes (I6); `where` names it in errors. */
export function eventFromBlob(ctx: StoreContext, oid: string, where: string): StoredEvent {
  return openEvent(readObject(ctx, oid, 'blob').content, where);
}
