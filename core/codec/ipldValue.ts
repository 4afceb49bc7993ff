import type { CID } from './cid.js';

/** A value of the IPLD data model: what DAG-CBOR and DAG-JSON encode. */
export type IpldValue = null | boolean | number | bigint | string | Uint8Array | CID | IpldValue[] | { [key: string]: IpldValue };

/** How deep values may nest, in either codec (deeper is an error, not a stack overflow). */
export const MAX_DEPTH = 512;
