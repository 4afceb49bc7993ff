import { createHash } from 'node:crypto';
import { AgentlogError } from '../errors.js';

/**
 * What every part of core/git/ shares about a git object: its types, its id, and the error for one
 * that is corrupt. A leaf: the object database (objects.ts) and the pack code (pack/) both import
 * it, and it imports neither.
 */
export type ObjectType = 'blob' | 'tree' | 'commit' | 'tag';

/** An object about to be written, with its id. */
export interface PackObject {
  type: ObjectType;
  content: Uint8Array;
  oid: string;
}

export interface GitObject {
  type: ObjectType;
  content: Buffer;
  /** For a whole (non-delta) packed object: its zlib stream as stored, for reuse in another pack. */
  packed?: Buffer;
}

/** The id an object has (hex SHA-1 of its header `<type> <size>\0` and its content). */
export function objectId(type: ObjectType, content: Uint8Array): string {
  return createHash('sha1').update(`${type} ${content.length}\0`).update(content).digest('hex');
}

/** The error for an object (or a pack, named instead of `oid`) whose bytes break git's format. */
export function corrupt(oid: string, why: string): AgentlogError {
  return new AgentlogError('E_OBJECT', `git object ${oid} is corrupt: ${why}`, { oid });
}
