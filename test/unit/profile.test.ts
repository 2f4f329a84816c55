import { describe, expect, it } from 'vitest';
import { recommendParallelism } from '../../src/suite/profile.js';

const GiB = 2 ** 30;

describe('recommendParallelism', () => {
  it('divides the free share of the smaller resource by the peak per spec, and names it', () => {
    const recommendation = recommendParallelism({
      allocatable: { cpuCores: 8, memoryBytes: 32 * GiB },
      baseline: { cpuCores: 2, memoryBytes: 8 * GiB },
      peak: { cpuCores: 1.2, memoryBytes: 6 * GiB },
    });
    // CPU: (8 − 2) × 0.8 / 1.2 = 4.0; memory: (32 − 8) × 0.8 / 6 = 3.2.
    expect(recommendation).toEqual({
      parallelism: 3,
      limitingResource: 'memory',
      reasoning:
        'Memory limits it: (32.00 GiB allocatable − 8.00 GiB baseline) × 80 % / 6.00 GiB peak per spec = 3.2 → 3; CPU would allow 4 ((8.00 cores allocatable − 2.00 cores baseline) × 80 % / 1.20 cores peak per spec = 4.0).',
    });
  });

  it('names CPU when it is the tighter one', () => {
    const recommendation = recommendParallelism({
      allocatable: { cpuCores: 4, memoryBytes: 64 * GiB },
      baseline: { cpuCores: 1, memoryBytes: 4 * GiB },
      peak: { cpuCores: 0.5, memoryBytes: 1 * GiB },
    });
    // CPU: 3 × 0.8 / 0.5 = 4.8 → 4; memory: 60 × 0.8 / 1 = 48.
    expect(recommendation.parallelism).toBe(4);
    expect(recommendation.limitingResource).toBe('cpu');
  });

  it('recommends 1, and says so, when even one stream does not fit', () => {
    const recommendation = recommendParallelism({
      allocatable: { cpuCores: 2, memoryBytes: 8 * GiB },
      baseline: { cpuCores: 1.5, memoryBytes: 2 * GiB },
      peak: { cpuCores: 1, memoryBytes: 1 * GiB },
    });
    expect(recommendation.parallelism).toBe(1);
    expect(recommendation.reasoning).toContain('below 1 even for one stream');
  });

  it('recommends nothing when no spec used more than the baseline', () => {
    expect(
      recommendParallelism({
        allocatable: { cpuCores: 2, memoryBytes: 8 * GiB },
        baseline: { cpuCores: 1, memoryBytes: 2 * GiB },
        peak: { cpuCores: 0, memoryBytes: 0 },
      }),
    ).toEqual({
      reasoning:
        'No spec used measurably more than the baseline, so there is nothing to divide by.',
    });
  });

  it('counts a quotient that floating point puts just below a whole number as that number', () => {
    // 0.4 × 3 is 1.2000000000000002 in floating point, and 7.5 × 0.8 / that is 4.999999999999999.
    const recommendation = recommendParallelism({
      allocatable: { cpuCores: 7.5, memoryBytes: 30 * GiB },
      baseline: { cpuCores: 0, memoryBytes: 0 },
      peak: { cpuCores: 0.4 * 3, memoryBytes: 1.5 * GiB },
    });
    expect(recommendation.parallelism).toBe(5);
  });
});
