import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';
import { AgentlogError } from './errors.js';
import { sha256 } from './hash.js';

export { CID };

/** The multicodec of DAG-CBOR, and of sha2-256. */
export const DAG_CBOR = 0x71;
export const SHA2_256 = 0x12;

/**
 * The CID of a block of canonical DAG-CBOR bytes: CIDv1, codec dag-cbor, multihash sha2-256.
 * Printed with `toString()` in base32 (`bafyrei…`).
 */
export function cidOf(bytes: Uint8Array): CID {
  return CID.createV1(DAG_CBOR, Digest.create(SHA2_256, sha256(bytes)));
}

/** Parse a CID from its string form (base32 `b…`, base58btc `z…`/`Qm…`), with an error that names it. */
export function parseCid(text: string, where = 'CID'): CID {
  try {
    return CID.parse(text.trim());
  } catch (e) {
    throw new AgentlogError('E_CID', `${where}: "${clip(text)}" is not a CID (${(e as Error).message})`, { text });
  }
}

/** True when `bytes` hash to `cid` (same codec and sha2-256 digest). */
export function cidMatches(cid: CID, bytes: Uint8Array): boolean {
  return cid.equals(cidOf(bytes));
}

export function shortCid(cid: CID | string): string {
  const s = typeof cid === 'string' ? cid : cid.toString();
  return s.length > 12 ? s.slice(-8) : s;
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
