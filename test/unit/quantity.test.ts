import { describe, expect, it } from 'vitest';
import { parseQuantity } from '../../src/suite/quantity.js';

describe('parseQuantity', () => {
  it.each([
    ['429151n', 0.000429151],
    ['250u', 0.00025],
    ['7m', 0.007],
    ['1500m', 1.5],
    ['2', 2],
    ['0.5', 0.5],
    ['.5', 0.5],
    ['+3', 3],
    ['2k', 2000],
    ['3M', 3e6],
    ['1G', 1e9],
    ['1T', 1e12],
    ['1P', 1e15],
    ['1E', 1e18],
    ['1e3', 1000],
    ['1E-3', 0.001],
    ['123456Ki', 123456 * 1024],
    ['256Mi', 256 * 2 ** 20],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['1Ti', 2 ** 40],
    ['1Pi', 2 ** 50],
    ['1Ei', 2 ** 60],
  ])('reads %s', (text, value) => {
    expect(parseQuantity(text)).toBeCloseTo(value, 12);
  });

  it.each(['', 'Mi', '12 Mi', '1Kb', '1KI', '--1', 'abc', '1.2.3'])('refuses %j', (text) => {
    expect(() => parseQuantity(text)).toThrow(`"${text}" is not a Kubernetes quantity`);
  });
});
