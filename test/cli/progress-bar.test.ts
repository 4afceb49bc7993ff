/**
 * The progress bar of `import` on a terminal (cli/progressBar.ts): the bar fills with the bytes done,
 * the estimate follows the rate so far and appears only after a second, and the line fits the width.
 */
import { describe, expect, it } from 'vitest';
import { progressLine } from '../../cli/progressBar.js';

const p = (files: number, bytes: number) => ({ files, totalFiles: 10, bytes, totalBytes: 20e6 });

describe('progressLine', () => {
  it.each([
    // state, elapsed ms, columns, the line
    [p(0, 0), 0, 80, 'importing [>                             ] 0% 0/10 files, 0.0/20 MB'],
    [p(5, 5e6), 500, 80, 'importing [========>                     ] 25% 5/10 files, 5.0/20 MB'],
    [p(5, 5e6), 10_000, 100, 'importing [========>                     ] 25% 5/10 files, 5.0/20 MB, about 30 s left'],
    [p(9, 10e6), 600_000, 100, 'importing [===============>              ] 50% 9/10 files, 10/20 MB, about 10 min left'],
    [p(2, 1e6), 4_000_000, 100, 'importing [==>                           ] 5% 2/10 files, 1.0/20 MB, about 21 h 7 min left'],
    [p(10, 20e6), 30_000, 80, 'importing [==============================] 100% 10/10 files, 20/20 MB'],
  ])('%o after %i ms in %i columns', (state, ms, columns, line) => {
    expect(progressLine(state, ms, columns)).toBe(line);
  });

  it('fits a narrow terminal: a shorter bar, then none', () => {
    for (const columns of [20, 40, 60, 70]) {
      const line = progressLine(p(5, 5e6), 10_000, columns);
      expect(line.length).toBeLessThanOrEqual(Math.max(20, columns - 1));
      expect(line).toMatch(/^importing/);
    }
    expect(progressLine(p(5, 5e6), 10_000, 70)).toMatch(/^importing \[=+> *\] 25%/);
    expect(progressLine(p(5, 5e6), 10_000, 40)).toMatch(/^importing: 25% 5\/10 files/);
  });

  it('counts files when they weigh nothing', () => {
    expect(progressLine({ files: 1, totalFiles: 4, bytes: 0, totalBytes: 0 }, 2000, 80)).toMatch(/\] 25% 1\/4 files, 0\.0\/0\.0 MB, about 6 s left$/);
  });
});
