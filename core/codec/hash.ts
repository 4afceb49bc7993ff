import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { createHash } from 'node:crypto';

/**
 * SHA-256 for CIDs. @noble/hashes is the reference (same digest everywhere, no platform code);
 * where Node's crypto is present it is used for speed: it is several times faster on the large tool
 * outputs events carry (see `npm run bench`). test/codec/codec.test.ts checks that both give the same digest,
 * so a CID never depends on which one ran.
 */
export function sha256(bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest();
}

export function sha256Reference(bytes: Uint8Array): Uint8Array {
  return nobleSha256(bytes);
}
