/**
 * @module What the soak reads of the core process every window: resident memory and heap from its Prometheus
 * `/metrics` (with /proc as a fallback for RSS), its CPU time from /proc, the event-loop lag and the queue backlog.
 */
import { readFileSync } from 'node:fs';
import { cpuTimeMs } from '../bench/processes.js';
import type { SoakClient } from './soak-client.js';

export interface CoreSample {
  rssMb: number;
  heapUsedMb: number;
  /** V8's heap committed (all spaces), and its new (young) and old spaces, MB. */
  heapTotalMb: number;
  newSpaceMb: number;
  oldSpaceMb: number;
  /** Memory outside V8's heap that it accounts for (Buffers, ArrayBuffers), MB. */
  externalMb: number;
  /** CPU time the core used so far, ms (user + system). */
  cpuMs: number;
  /** nodejs_eventloop_lag_p99_seconds, in ms (prom-client's histogram since the previous scrape). */
  loopLagP99Ms: number;
  /** nodejs_eventloop_lag_max_seconds, in ms: a long block of the event loop shows here, not in the p99. */
  loopLagMaxMs: number;
  /** Queue messages ready or in flight, summed over the queues; dead letters apart. */
  backlog: number;
  dead: number;
  /** switchboard_requests_total, summed over its labels. */
  requests: number;
}

/** `name{labels} value` lines of a Prometheus text page, summed by metric name. */
export const parseMetrics = (text: string): Map<string, number> => {
  const sums = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const value = Number(m[3]);
    if (!Number.isFinite(value)) continue;
    const labels = m[2] ?? '';
    // Queue gauges are split by state: keep the states apart.
    const state = /state="([a-z_]+)"/.exec(labels)?.[1];
    const name = m[1] === 'switchboard_queue_messages' && state ? `${m[1]}:${state}` : m[1];
    sums.set(name, (sums.get(name) ?? 0) + value);
    // V8's heap spaces (prom-client's nodejs_heap_space_size_*_bytes{space="new"|"old"|…}): kept apart too.
    const space = /space="([a-z_]+)"/.exec(labels)?.[1];
    if (space) sums.set(`${m[1]}:${space}`, value);
  }
  return sums;
};

const rssFromProc = (pid: number): number => {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
};

export const sampleCore = async (client: SoakClient, pid: number): Promise<CoreSample> => {
  const a = await client.call({ method: 'GET', path: '/metrics' });
  const m = a.status === 200 ? parseMetrics(a.text) : new Map<string, number>();
  const mb = (name: string) => (m.has(name) ? (m.get(name) as number) / 2 ** 20 : Number.NaN);
  const rss = mb('process_resident_memory_bytes');
  return {
    rssMb: Number.isNaN(rss) ? rssFromProc(pid) : rss,
    heapUsedMb: mb('nodejs_heap_size_used_bytes'),
    heapTotalMb: mb('nodejs_heap_size_total_bytes'),
    newSpaceMb: mb('nodejs_heap_space_size_total_bytes:new'),
    oldSpaceMb: mb('nodejs_heap_space_size_total_bytes:old'),
    externalMb: mb('nodejs_external_memory_bytes'),
    cpuMs: cpuTimeMs(pid) ?? Number.NaN,
    loopLagP99Ms: (m.get('nodejs_eventloop_lag_p99_seconds') ?? Number.NaN) * 1000,
    loopLagMaxMs: (m.get('nodejs_eventloop_lag_max_seconds') ?? Number.NaN) * 1000,
    backlog: (m.get('switchboard_queue_messages:ready') ?? 0) + (m.get('switchboard_queue_messages:in_flight') ?? 0),
    dead: m.get('switchboard_queue_messages:dead') ?? 0,
    requests: m.get('switchboard_requests_total') ?? Number.NaN,
  };
};
