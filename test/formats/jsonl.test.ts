import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJsonl, type ImportWarning, type ParsedPrefix } from '../../core/formats/jsonl.js';
import { tmpdir } from '../helpers/tmp.js';

describe('reading a growing JSONL file', () => {
  it('parses only what the file gained since the last read, with the same records and line numbers as a whole read', () => {
    const file = path.join(tmpdir(), 'grow.jsonl');
    const reuse = new Map<string, ParsedPrefix>();
    const warnings: ImportWarning[] = [];
    const warn = (w: ImportWarning) => warnings.push(w);
    const whole = () => readJsonl(file, () => {}, { partialTail: true });
    fs.writeFileSync(file, `{"a":1,"pad":"${'x'.repeat(100)}"}\n{"a":2}\n\n{"a":3}\n`);
    expect(readJsonl(file, warn, { partialTail: true, reuse })).toEqual(whole());
    fs.appendFileSync(file, 'not json\n{"a":4}\n{"a":');
    const second = readJsonl(file, warn, { partialTail: true, reuse });
    expect(second).toEqual(whole());
    expect(second.lines.map((l) => l.line)).toEqual([1, 2, 4, 6]);
    expect(warnings).toEqual([{ file, line: 5, message: expect.stringMatching(/not valid JSON/) }]);
    fs.appendFileSync(file, '5}\n');
    expect(readJsonl(file, warn, { partialTail: true, reuse })).toEqual(whole());
    // Proof that the start is not parsed again: a change in place before where the last read
    // stopped is not seen (session files only grow)…
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, `${text.replace('{"a":1,', '{"a":9,')}{"a":6}\n`);
    const reused = readJsonl(file, warn, { partialTail: true, reuse });
    expect(reused.lines.map((l) => l.value.a)).toEqual([1, 2, 3, 4, 5, 6]);
    // …while a file that shrank, or changed just before that point, is read whole again.
    fs.writeFileSync(file, '{"a":7}\n');
    expect(readJsonl(file, warn, { partialTail: true, reuse })).toEqual(whole());
    fs.writeFileSync(file, '{"a":7}\n{"a":8}\n');
    readJsonl(file, warn, { partialTail: true, reuse });
    fs.writeFileSync(file, '{"a":7}\n{"b":8}\n{"a":9}\n');
    expect(readJsonl(file, warn, { partialTail: true, reuse })).toEqual(whole());
  });
});
