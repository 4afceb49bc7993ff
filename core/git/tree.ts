import { corrupt } from './objects.js';

export interface TreeEntry {
  mode: string; // '100644' for a file, '40000' for a tree
  name: string;
  oid: string; // hex
}

/**
 * Serialise tree entries. Callers give entries already in git's order; ours are fixed-width,
 * zero-padded numbers, which sort the same as names and as `name/` (git's rule for trees).
 */
export function serializeTree(entries: readonly TreeEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(Buffer.from(`${e.mode} ${e.name}\0`, 'utf8'), Buffer.from(e.oid, 'hex'));
  }
  return Buffer.concat(parts);
}

export function parseTree(content: Buffer, oid = 'tree'): TreeEntry[] {
  const out: TreeEntry[] = [];
  let pos = 0;
  while (pos < content.length) {
    const space = content.indexOf(0x20, pos);
    const nul = content.indexOf(0, space);
    if (space < 0 || nul < 0 || nul + 21 > content.length) throw corrupt(oid, 'a tree entry is truncated');
    out.push({
      mode: content.toString('latin1', pos, space),
      name: content.toString('utf8', space + 1, nul),
      oid: content.toString('hex', nul + 1, nul + 21),
    });
    pos = nul + 21;
  }
  return out;
}
