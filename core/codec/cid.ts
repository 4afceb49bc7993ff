import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';
import { AgentlogError } from '../errors.js';
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
  // Built directly (same result as CID.createV1(DAG_CBOR, Digest.create(SHA2_256, …))): this runs
  // for every event read, and the generic path re-checks and re-copies its inputs.
  const out = new Uint8Array(36);
  out[0] = 0x01; // CIDv1
  out[1] = DAG_CBOR;
  out[2] = SHA2_256;
  out[3] = 32;
  out.set(sha256(bytes), 4);
  return cidFromBytes(out);
}

/**
 * A CID from its binary form; the common case here (CIDv1, dag-cbor, sha2-256: 36 bytes) is built
 * directly, anything else goes through multiformats' decoder.
 */
export function cidFromBytes(bytes: Uint8Array): CID {
  if (bytes.length === 36 && bytes[0] === 0x01 && bytes[1] === DAG_CBOR && bytes[2] === SHA2_256 && bytes[3] === 32) {
    const multihash = bytes.subarray(2);
    return new CID(1, DAG_CBOR, new Digest.Digest(SHA2_256, 32, multihash.subarray(2), multihash), bytes) as CID;
  }
  let cid: CID;
  try {
    cid = CID.decode(bytes);
  } catch (e) {
    const reason = (e as Error).message;
    throw new AgentlogError('E_CID', `${bytes.length} bytes (${clip(Buffer.from(bytes).toString('hex'))}) are not a binary CID (${reason})`, { reason });
  }
  // multiformats reads some non-canonical forms (a version byte 0 before a CIDv0's multihash) as a CID
  // whose bytes are other than these: a link must have one binary form, or DAG-CBOR is not strict
  // (what decodes would re-encode to other bytes). Found by test/hostile/fuzz-codec.test.ts.
  if (!Buffer.from(cid.bytes).equals(Buffer.from(bytes))) {
    const reason = `not in canonical form; it reads as ${cid.toString()}, whose bytes are ${clip(Buffer.from(cid.bytes).toString('hex'))}`;
    throw new AgentlogError('E_CID', `${bytes.length} bytes (${clip(Buffer.from(bytes).toString('hex'))}) are not a binary CID (${reason})`, { reason });
  }
  return cid;
}

/** Parse a CID from its string form (base32 `b…`, base58btc `z…`/`Qm…`), with an error that names it. */
export function parseCid(text: string, where = 'CID'): CID {
  try {
    return CID.parse(text.trim());
  } catch (e) {
    throw new AgentlogError('E_CID', `${where}: "${clip(text)}" is not a CID (${(e as Error).message})`, { text });
  }
}

export function shortCid(cid: CID | string): string {
  const s = typeof cid === 'string' ? cid : cid.toString();
  return s.length > 12 ? s.slice(-8) : s;
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
