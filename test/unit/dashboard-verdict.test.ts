import { describe, expect, it } from 'vitest';
import { areaOf, describeVerdict, verdictOf } from '../../dashboard/verdict.js';

const RUNS = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'];

describe("a test's verdict from its history", () => {
  it.each([
    ['PPPPPP', { kind: 'passing' }],
    ['PFPFPF', { kind: 'flaky', flips: 5 }],
    ['FPF', { kind: 'flaky', flips: 2 }],
    ['PPFFFF', { kind: 'broken', since: 'r3' }],
    // Runs it was absent from or skipped in do not end the streak.
    ['PPF-SE', { kind: 'broken', since: 'r3' }],
    ['--F', { kind: 'broken', since: 'r3' }],
    // Broken once and fixed is not flakiness.
    ['PFFPPP', { kind: 'passing' }],
    ['PPPFFP', { kind: 'passing' }],
    ['FPPPFF', { kind: 'flaky', flips: 2 }],
    ['FFFPPP', { kind: 'passing' }],
    ['--SS', { kind: 'unknown' }],
  ] as const)('%s is %o', (history, verdict) => {
    expect(verdictOf(history, RUNS)).toEqual(verdict);
  });

  it('says it in words, and nothing for a passing test', () => {
    expect(describeVerdict({ kind: 'flaky', flips: 3 })).toBe('flaky (3 flips)');
    expect(describeVerdict({ kind: 'broken', since: 'r2' })).toBe('broken since r2');
    expect(describeVerdict({ kind: 'passing' })).toBe('');
  });
});

describe('the component area of a test', () => {
  it.each([
    [{ id: 'x', specFile: 'specs/triggers/event.spec' }, 'triggers'],
    [{ id: 'specs/chains/sign.spec::Signs' }, 'chains'],
    [{ id: 'specs/olm.spec::Installs' }, 'olm'],
    [{ id: 'Pipelines::Runs' }, 'other'],
  ])('%o is in %s', (test, area) => {
    expect(areaOf(test)).toBe(area);
  });
});
