import { z } from 'zod';
import { KubeError, type KubeClient } from '../adapters/kube.js';
import { parseQuantity } from './quantity.js';

const StatsSchema = z.object({
  min: z.number(),
  max: z.number(),
  avg: z.number(),
  p95: z.number(),
});
export type Stats = z.infer<typeof StatsSchema>;

const UsageSchema = z.object({
  cpuCores: z.number().describe('CPU in use across the cluster, in cores.'),
  memoryBytes: z.number().describe('Memory in use across the cluster, in bytes.'),
  pods: z.number().int().describe('Pods reporting metrics.'),
});

export const ResourceProfileSchema = z.object({
  schemaVersion: z.literal(1),
  intervalSeconds: z.number().positive(),
  baseline: UsageSchema.describe('Cluster-wide usage before the first spec started.'),
  allocatable: z
    .object({ cpuCores: z.number(), memoryBytes: z.number(), nodes: z.number().int() })
    .describe('What the schedulable nodes can give pods (status.allocatable, summed).'),
  specs: z.array(
    z.object({
      spec: z.string(),
      samples: z.number().int().nonnegative(),
      cpuCores: StatsSchema,
      memoryBytes: StatsSchema,
      pods: StatsSchema,
    }),
  ),
  recommendation: z.object({
    parallelism: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('The largest safe number of parallel streams; absent when nothing was measured.'),
    limitingResource: z.enum(['cpu', 'memory']).optional(),
    reasoning: z.string(),
  }),
});
export type ResourceProfile = z.infer<typeof ResourceProfileSchema>;

interface Sample {
  cpuCores: number;
  memoryBytes: number;
  pods: number;
}

interface PodMetricsList {
  items: { containers?: { usage?: { cpu?: string; memory?: string } }[] }[];
}

interface NodeList {
  items: {
    spec?: { unschedulable?: boolean; taints?: { effect?: string }[] };
    status?: { allocatable?: { cpu?: string; memory?: string } };
  }[];
}

const METRICS_PODS = '/apis/metrics.k8s.io/v1beta1/pods';
// The share of free capacity the recommendation may plan to use (the seed's 80 %).
const HEADROOM = 0.8;

/** One cluster-wide usage sample from the metrics API, or undefined when the API is absent. */
async function sample(kube: KubeClient): Promise<Sample | undefined> {
  let list: PodMetricsList;
  try {
    list = await kube.get<PodMetricsList>(METRICS_PODS);
  } catch (error) {
    if (error instanceof KubeError && (error.status === 404 || error.status === 503))
      return undefined;
    throw error;
  }
  let cpuCores = 0;
  let memoryBytes = 0;
  for (const pod of list.items)
    for (const container of pod.containers ?? []) {
      cpuCores += parseQuantity(container.usage?.cpu ?? '0');
      memoryBytes += parseQuantity(container.usage?.memory ?? '0');
    }
  return { cpuCores, memoryBytes, pods: list.items.length };
}

/**
 * Polls the metrics API while the suite runs and attributes each sample to the spec running
 * then (told through {@link Profiler.specStarted} from the live console stream).
 */
export class Profiler {
  private baselineSamples: Sample[] = [];
  private readonly bySpec = new Map<string, Sample[]>();
  private current: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> = Promise.resolve();
  private failure: string | undefined;

  private constructor(
    private readonly kube: KubeClient,
    private readonly intervalMs: number,
    baseline: Sample,
  ) {
    this.baselineSamples.push(baseline);
  }

  /**
   * Takes the baseline and starts polling; undefined (after one warning) when the cluster has
   * no metrics API, so the run goes on without a profile.
   */
  static async start(
    kube: KubeClient,
    options: { intervalMs: number; onWarning: (message: string) => void },
  ): Promise<Profiler | undefined> {
    const baseline = await sample(kube).catch((error: unknown) => {
      options.onWarning(`Resource profiling is off: ${(error as Error).message}`);
      return undefined;
    });
    if (!baseline) {
      options.onWarning(
        `Resource profiling is off: the cluster serves no metrics API (${METRICS_PODS}); install metrics-server to profile.`,
      );
      return undefined;
    }
    const profiler = new Profiler(kube, options.intervalMs, baseline);
    profiler.timer = setInterval(() => {
      profiler.polling = profiler.polling.then(() => profiler.poll());
    }, options.intervalMs);
    return profiler;
  }

  specStarted(spec: string): void {
    this.current = spec;
  }

  private async poll(): Promise<void> {
    const spec = this.current;
    try {
      const taken = await sample(this.kube);
      if (!taken) return;
      if (spec === undefined) this.baselineSamples.push(taken);
      else this.bySpec.set(spec, [...(this.bySpec.get(spec) ?? []), taken]);
    } catch (error) {
      this.failure ??= (error as Error).message;
    }
  }

  /** Stops polling and computes the profile and the recommendation. */
  async finish(): Promise<ResourceProfile> {
    clearInterval(this.timer);
    await this.polling;
    const nodes = await this.kube.get<NodeList>('/api/v1/nodes');
    const schedulable = nodes.items.filter(
      (n) =>
        !n.spec?.unschedulable && !(n.spec?.taints ?? []).some((t) => t.effect === 'NoSchedule'),
    );
    const counted = schedulable.length > 0 ? schedulable : nodes.items;
    const allocatable = {
      cpuCores: sum(counted.map((n) => parseQuantity(n.status?.allocatable?.cpu ?? '0'))),
      memoryBytes: sum(counted.map((n) => parseQuantity(n.status?.allocatable?.memory ?? '0'))),
      nodes: counted.length,
    };
    const baseline = {
      cpuCores: average(this.baselineSamples.map((s) => s.cpuCores)),
      memoryBytes: average(this.baselineSamples.map((s) => s.memoryBytes)),
      pods: Math.round(average(this.baselineSamples.map((s) => s.pods))),
    };
    const specs = [...this.bySpec].map(([spec, samples]) => ({
      spec,
      samples: samples.length,
      cpuCores: stats(samples.map((s) => s.cpuCores)),
      memoryBytes: stats(samples.map((s) => s.memoryBytes)),
      pods: stats(samples.map((s) => s.pods)),
    }));
    const peak = {
      cpuCores: Math.max(0, ...specs.map((s) => s.cpuCores.max - baseline.cpuCores)),
      memoryBytes: Math.max(0, ...specs.map((s) => s.memoryBytes.max - baseline.memoryBytes)),
    };
    return {
      schemaVersion: 1,
      intervalSeconds: this.intervalMs / 1000,
      baseline,
      allocatable,
      specs,
      recommendation: recommendParallelism({ allocatable, baseline, peak }, this.failure),
    };
  }
}

/**
 * The seed's rule: `(allocatable − baseline) × 80 % / peak per spec`, for CPU and memory; the
 * smaller of the two, at least 1, names the limiting resource.
 */
export function recommendParallelism(
  usage: {
    allocatable: { cpuCores: number; memoryBytes: number };
    baseline: { cpuCores: number; memoryBytes: number };
    peak: { cpuCores: number; memoryBytes: number };
  },
  pollingFailure?: string,
): ResourceProfile['recommendation'] {
  const note = pollingFailure ? ` (some samples were lost: ${pollingFailure})` : '';
  const resources = [
    { name: 'cpu' as const, unit: cores, key: 'cpuCores' as const },
    { name: 'memory' as const, unit: gibibytes, key: 'memoryBytes' as const },
  ].map((r) => {
    const free = usage.allocatable[r.key] - usage.baseline[r.key];
    const peak = usage.peak[r.key];
    const exact = peak > 0 ? (free * HEADROOM) / peak : Infinity;
    return {
      ...r,
      exact,
      text: `(${r.unit(usage.allocatable[r.key])} allocatable − ${r.unit(usage.baseline[r.key])} baseline) × 80 % / ${r.unit(peak)} peak per spec = ${exact.toFixed(1)}`,
    };
  });
  const measured = resources.filter((r) => Number.isFinite(r.exact));
  if (measured.length === 0) {
    return {
      reasoning: `No spec used measurably more than the baseline, so there is nothing to divide by${note}.`,
    };
  }
  const limiting = measured.reduce((a, b) => (b.exact < a.exact ? b : a));
  const parallelism = streams(limiting.exact);
  const other = resources.find((r) => r !== limiting);
  return {
    parallelism,
    limitingResource: limiting.name,
    reasoning:
      `${limiting.name === 'cpu' ? 'CPU' : 'Memory'} limits it: ${limiting.text} → ${parallelism}` +
      (other && Number.isFinite(other.exact)
        ? `; ${other.name === 'cpu' ? 'CPU' : 'memory'} would allow ${streams(other.exact)} (${other.text})`
        : '') +
      `${limiting.exact < 1 ? '; below 1 even for one stream: run the suite serially and expect pressure' : ''}${note}.`,
  };
}

/** Whole streams, at least 1; 4.9999999 from sums of decimal quantities counts as 5. */
function streams(exact: number): number {
  return Math.max(1, Math.floor(exact + 1e-9));
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function average(values: number[]): number {
  return values.length === 0 ? 0 : sum(values) / values.length;
}

function stats(values: number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest-rank percentile.
  const p95 = sorted[Math.max(0, Math.ceil(0.95 * sorted.length) - 1)] ?? 0;
  return {
    min: sorted[0] ?? 0,
    max: sorted.at(-1) ?? 0,
    avg: average(sorted),
    p95,
  };
}

const cores = (n: number) => `${n.toFixed(2)} cores`;
const gibibytes = (n: number) => `${(n / 2 ** 30).toFixed(2)} GiB`;
