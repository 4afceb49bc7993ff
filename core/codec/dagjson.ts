import { CID } from './cid.js';
import { MAX_DEPTH, type IpldValue } from './ipldValue.js';
import { AgentlogError } from '../errors.js';

/**
 * DAG-JSON: JSON for the IPLD data model. `{"/": "<cid>"}` is a link, `{"/": {"bytes": "<base64>"}}`
 * is a byte string, integers keep full precision (beyond 2^53 they are BigInt), numbers written with a
 * fraction or exponent are floats. `parse` is our own reader because JSON.parse loses big integers.
 */
export function parseDagJson(text: string, where = 'input'): IpldValue {
  const p = new Parser(text, where);
  p.ws();
  const v = p.value(0);
  p.ws();
  if (p.pos < text.length) p.fail('unexpected text after the value');
  return v;
}

class Parser {
  pos = 0;
  constructor(
    private readonly s: string,
    private readonly where: string,
  ) {}

  fail(message: string): never {
    const before = this.s.slice(0, this.pos);
    const line = before.split('\n').length;
    const col = this.pos - before.lastIndexOf('\n');
    throw new AgentlogError('E_INPUT', `${this.where}: ${message} at line ${line}, column ${col}`, { line, column: col, atEnd: this.pos >= this.s.length });
  }

  ws(): void {
    const s = this.s;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.pos++;
      else break;
    }
  }

  value(depth: number): IpldValue {
    if (depth > MAX_DEPTH) this.fail('nests too deep');
    const c = this.s[this.pos];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return this.string();
    if (c === 't' && this.s.startsWith('true', this.pos)) {
      this.pos += 4;
      return true;
    }
    if (c === 'f' && this.s.startsWith('false', this.pos)) {
      this.pos += 5;
      return false;
    }
    if (c === 'n' && this.s.startsWith('null', this.pos)) {
      this.pos += 4;
      return null;
    }
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    return this.fail(c === undefined ? 'unexpected end of input' : `unexpected character ${JSON.stringify(c)}`);
  }

  private number(): number | bigint {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.s.slice(this.pos, this.pos + 400));
    if (!m) return this.fail('malformed number');
    this.pos += m[0].length;
    if (m[2] || m[3]) {
      const f = Number(m[0]);
      if (!Number.isFinite(f)) this.fail(`number ${m[0]} is out of range`);
      return f;
    }
    const n = Number(m[0]);
    return Number.isSafeInteger(n) ? n : BigInt(m[0]);
  }

  private string(): string {
    const start = this.pos;
    const end = this.findStringEnd(start);
    try {
      return JSON.parse(this.s.slice(start, end)) as string;
    } catch {
      this.pos = start;
      return this.fail('malformed string');
    }
  }

  private findStringEnd(start: number): number {
    const s = this.s;
    let i = start + 1;
    for (;;) {
      const q = s.indexOf('"', i);
      if (q < 0) {
        this.pos = start;
        this.fail('unterminated string');
      }
      let bs = 0;
      for (let j = q - 1; s[j] === '\\'; j--) bs++;
      if (bs % 2 === 0) {
        this.pos = q + 1;
        return q + 1;
      }
      i = q + 1;
    }
  }

  private array(depth: number): IpldValue[] {
    this.pos++;
    const out: IpldValue[] = [];
    this.ws();
    if (this.s[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.ws();
      out.push(this.value(depth + 1));
      this.ws();
      const c = this.s[this.pos++];
      if (c === ']') return out;
      if (c !== ',') {
        this.pos--;
        this.fail('expected "," or "]"');
      }
    }
  }

  private object(depth: number): IpldValue {
    const start = this.pos;
    this.pos++;
    const out: Record<string, IpldValue> = {};
    const seen = new Set<string>();
    this.ws();
    if (this.s[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.s[this.pos] !== '"') this.fail('expected a string key');
      const key = this.string();
      if (seen.has(key)) {
        this.pos = start;
        this.fail(`duplicate key "${key}"`);
      }
      seen.add(key);
      this.ws();
      if (this.s[this.pos++] !== ':') {
        this.pos--;
        this.fail('expected ":"');
      }
      this.ws();
      const v = this.value(depth + 1);
      if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      else out[key] = v;
      this.ws();
      const c = this.s[this.pos++];
      if (c === '}') break;
      if (c !== ',') {
        this.pos--;
        this.fail('expected "," or "}"');
      }
    }
    const keys = Object.keys(out);
    if (keys.length === 1 && keys[0] === '/') {
      const inner = out['/'];
      if (typeof inner === 'string') {
        try {
          return CID.parse(inner);
        } catch (e) {
          this.pos = start;
          return this.fail(`{"/": "${inner.slice(0, 60)}"} is not a CID link (${(e as Error).message})`);
        }
      }
      if (inner && typeof inner === 'object' && !Array.isArray(inner) && !(inner instanceof Uint8Array)) {
        const ik = Object.keys(inner);
        const b64 = (inner as Record<string, IpldValue>).bytes;
        if (ik.length === 1 && typeof b64 === 'string') {
          if (!/^[A-Za-z0-9+/]*$/.test(b64)) {
            this.pos = start;
            this.fail('bytes must be base64 without padding');
          }
          return new Uint8Array(Buffer.from(b64, 'base64'));
        }
      }
    }
    return out;
  }
}

/** Write a value as DAG-JSON (map keys sorted by UTF-16 code unit; `indent` as for JSON.stringify). */
export function stringifyDagJson(value: unknown, indent?: number): string {
  return write(value, indent ? ' '.repeat(indent) : '', '');
}

function write(v: unknown, ind: string, cur: string): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return String(v);
    case 'number':
      if (!Number.isFinite(v)) throw new AgentlogError('E_CODEC', `DAG-JSON has no ${v}`);
      // A float DAG-CBOR keeps as a float must read back as one: an integral value of 2^64 or more,
      // which JSON.stringify writes as an integer ("18446744073709552000"), would parse as a BigInt
      // no integer encoding holds. Found by test/hostile/fuzz-codec.test.ts.
      if (Number.isInteger(v) && Math.abs(v) >= 2 ** 64) return v.toExponential();
      return JSON.stringify(v);
    case 'bigint':
      return v.toString();
    case 'string':
      return JSON.stringify(v);
    case 'object': {
      const next = cur + ind;
      const nl = ind ? `\n${next}` : '';
      const end = ind ? `\n${cur}` : '';
      const sep = ind ? ': ' : ':';
      if (v instanceof Uint8Array) return `{"/"${sep}{"bytes"${sep}${JSON.stringify(Buffer.from(v).toString('base64').replace(/=+$/, ''))}}}`;
      const cid = CID.asCID(v);
      if (cid) return `{"/"${sep}${JSON.stringify(cid.toString())}}`;
      if (Array.isArray(v)) return v.length ? `[${nl}${v.map((x) => write(x, ind, next)).join(`,${nl}`)}${end}]` : '[]';
      const obj = v as Record<string, unknown>;
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      if (!keys.length) return '{}';
      return `{${nl}${keys.map((k) => `${JSON.stringify(k)}${sep}${write(obj[k], ind, next)}`).join(`,${nl}`)}${end}}`;
    }
    default:
      throw new AgentlogError('E_CODEC', `DAG-JSON cannot write a ${typeof v}`);
  }
}
