import { AgentlogError } from '../errors.js';
import { corrupt } from './object.js';

export interface TreeEntry {
  mode: string; // '100644' for a file, '40000' for a tree
  name: string;
  oid: string; // hex
}

/**
 * Serialise tree entries. Callers give entries already in git's order; ours are fixed-width,
 * zero-padded numbers, which sort the same as names and as `name/` (git's rule for trees).
 */
const OID = /^[0-9a-f]{40}$/i;

export function serializeTree(entries: readonly TreeEntry[]): Buffer {
  let size = 0;
  for (const e of entries) size += e.mode.length + Buffer.byteLength(e.name) + 22;
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  for (const e of entries) {
    pos += out.write(e.mode, pos, 'latin1');
    out[pos++] = 0x20;
    pos += out.write(e.name, pos, 'utf8');
    out[pos++] = 0;
    if (!OID.test(e.oid)) throw new AgentlogError('E_OBJECT', `tree entry ${e.name}: "${e.oid}" is not an object id`, { name: e.name, oid: e.oid });
    out.write(e.oid, pos, 'hex');
    pos += 20;
  }
  return out;
}

export function parseTree(content: Buffer, oid = 'tree'): TreeEntry[] {
  const out: TreeEntry[] = [];
  let pos = 0;
  while (pos < content.length) {
    const space = content.indexOf(0x20, pos);
    const nul = content.indexOf(0, space);
    if (space < 0 || nul < 0 || nul + 21 > content.length) throw corrupt(oid, `a tree entry is truncated (at byte ${pos})`);
    out.push({
      mode: content.toString('latin1', pos, space),
      name: content.toString('utf8', space + 1, nul),
      oid: content.toString('hex', nul + 1, nul + 21),
    });
    pos = nul + 21;
  }
  return out;
}
