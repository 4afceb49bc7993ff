import { AgentlogError } from '../errors.js';

/**
 * git's pkt-line framing (gitprotocol-common): four hex digits of length (including themselves),
 * then the payload; `0000` is a flush packet.
 */
export function pkt(line: string | Uint8Array): Buffer {
  const body = typeof line === 'string' ? Buffer.from(line, 'utf8') : Buffer.from(line);
  if (body.length > 65516)
    throw new AgentlogError('E_PROTOCOL', `cannot send a pkt-line of ${body.length} bytes (git's protocol carries at most 65516)`, { bytes: body.length });
  return Buffer.concat([Buffer.from((body.length + 4).toString(16).padStart(4, '0'), 'latin1'), body]);
}

export const FLUSH = Buffer.from('0000', 'latin1');
/** Protocol v2's delimiter packet, between a command's capabilities and its arguments. */
export const DELIM = Buffer.from('0001', 'latin1');

/** The error for an answer from `url` that breaks the git protocol: `why` says how. */
export function protocolError(url: string, why: string): AgentlogError {
  return new AgentlogError('E_PROTOCOL', `${url} answered something that is not the git protocol (${why})`, { url });
}

/**
 * Reads pkt-lines from a buffer `url` answered; `rest()` is whatever follows (a pack after the last
 * line). Data that is not pkt-lines, or a packet cut short, is a protocolError naming `url`.
 */
export class PktReader {
  pos = 0;
  constructor(
    readonly data: Buffer,
    readonly url: string,
  ) {}

  /** The next packet's payload, null for a flush (or delim), undefined at the end of the data. */
  next(): Buffer | null | undefined {
    if (this.pos >= this.data.length) return undefined;
    if (this.pos + 4 > this.data.length) throw protocolError(this.url, `a pkt-line header cut short: "${printable(this.data.subarray(this.pos))}"`);
    const hex = this.data.toString('latin1', this.pos, this.pos + 4);
    if (!/^[0-9a-f]{4}$/i.test(hex)) throw protocolError(this.url, `not a pkt-line: "${printable(this.data.subarray(this.pos, this.pos + 40))}"`);
    const len = parseInt(hex, 16);
    if (len < 4) {
      this.pos += 4;
      return null;
    }
    if (this.pos + len > this.data.length) throw protocolError(this.url, `a pkt-line of ${len} bytes cut short after ${this.data.length - this.pos}`);
    const out = this.data.subarray(this.pos + 4, this.pos + len);
    this.pos += len;
    return out;
  }

  /** The next packet as text without its trailing newline. */
  line(): string | null | undefined {
    const p = this.next();
    return p ? p.toString('utf8').replace(/\n$/, '') : p;
  }

  rest(): Buffer {
    return this.data.subarray(this.pos);
  }
}

export function printable(b: Uint8Array): string {
  return Buffer.from(b)
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, '.');
}
