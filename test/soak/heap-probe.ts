/**
 * @module The core's live heap, measured honestly: over the inspector protocol (the core started with
 * `--inspect=127.0.0.1:0`), a full garbage collection (`HeapProfiler.collectGarbage`), then the heap used, V8's heap
 * spaces and `process.memoryUsage()` read inside the core. A sample of `nodejs_heap_size_used_bytes` sits anywhere on
 * the collector's saw-tooth; the heap right after a full collection is what survives, so it is what "memory flat"
 * is judged on. Optionally writes a heap snapshot (`HeapProfiler.takeHeapSnapshot`, which collects garbage too) for
 * `heap-diff.ts`. Each measurement opens its own session and closes it, so no debugger stays attached between them.
 */
import { createWriteStream } from 'node:fs';

export interface LiveHeap {
  /** V8 heap used right after a full collection, MB. */
  liveMb: number;
  /** V8 heap committed (all spaces), MB. */
  heapTotalMb: number;
  rssMb: number;
  /** Off-heap memory V8 knows of (Buffers, ArrayBuffers), MB. */
  externalMb: number;
  arrayBuffersMb: number;
  /** Committed size of each V8 space, MB: old_space, new_space (the semi-spaces), code_space, large_object_space… */
  spaces: Record<string, { sizeMb: number; usedMb: number }>;
  /** How long the full collection blocked the core, ms (seen from here, so with the round trip). */
  gcMs: number;
}

/** The inspector's WebSocket address from the core's stderr (`Debugger listening on ws://…`), or null. */
export const inspectorUrl = (output: string): string | null => /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1] ?? null;

const MB = 2 ** 20;

type Handler = (params: Record<string, unknown>) => void;

class Session {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  private readonly handlers = new Map<string, Handler>();

  private constructor(private readonly ws: WebSocket) {
    ws.addEventListener('message', (ev) => {
      const msg = JSON.parse(String(ev.data)) as {
        id?: number;
        result?: Record<string, unknown>;
        error?: { message: string };
        method?: string;
        params?: Record<string, unknown>;
      };
      if (msg.id !== undefined) {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (msg.error) p?.reject(new Error(msg.error.message));
        else p?.resolve(msg.result ?? {});
      } else if (msg.method) this.handlers.get(msg.method)?.(msg.params ?? {});
    });
    ws.addEventListener('close', () => {
      for (const p of this.pending.values()) p.reject(new Error('inspector session closed'));
      this.pending.clear();
    });
  }

  static open(url: string): Promise<Session> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.addEventListener('open', () => resolve(new Session(ws)), { once: true });
      ws.addEventListener('error', () => reject(new Error(`cannot open the inspector at ${url}`)), { once: true });
    });
  }

  on(method: string, h: Handler) {
    this.handlers.set(method, h);
  }

  send(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  async evaluate<T>(expression: string): Promise<T> {
    const r = (await this.send('Runtime.evaluate', { expression, returnByValue: true })) as {
      result: { value?: T };
      exceptionDetails?: { text: string };
    };
    if (r.exceptionDetails) throw new Error(`evaluate: ${r.exceptionDetails.text}`);
    return r.result.value as T;
  }

  close() {
    this.ws.close();
  }
}

// process.getBuiltinModule: the core is an ES module, there is no `require` in the global scope.
const READ = `JSON.stringify({
  mem: process.memoryUsage(),
  spaces: process.getBuiltinModule('node:v8').getHeapSpaceStatistics(),
})`;

/** A full collection, then the figures. */
export const measureLiveHeap = async (url: string): Promise<LiveHeap> => {
  const s = await Session.open(url);
  try {
    const t = performance.now();
    await s.send('HeapProfiler.collectGarbage');
    const gcMs = performance.now() - t;
    const { mem, spaces } = JSON.parse(await s.evaluate<string>(READ)) as {
      mem: NodeJS.MemoryUsage;
      spaces: { space_name: string; space_size: number; space_used_size: number }[];
    };
    return {
      liveMb: mem.heapUsed / MB,
      heapTotalMb: mem.heapTotal / MB,
      rssMb: mem.rss / MB,
      externalMb: mem.external / MB,
      arrayBuffersMb: mem.arrayBuffers / MB,
      spaces: Object.fromEntries(spaces.map((x) => [x.space_name, { sizeMb: x.space_size / MB, usedMb: x.space_used_size / MB }])),
      gcMs,
    };
  } finally {
    s.close();
  }
};

/**
 * Heap snapshots of the core, over one inspector session from the first to the last. A snapshot collects garbage
 * first, blocks the core for seconds (p99 of that window in seconds) and leaves the core's RSS 200–260 MB higher for
 * good (the snapshot generator's native memory, kept by malloc): for diagnosis, not for a measured run.
 */
export class HeapSnapshots {
  private session: Session | null = null;

  constructor(private readonly url: string) {}

  async take(file: string): Promise<void> {
    if (!this.session) {
      this.session = await Session.open(this.url);
      await this.session.send('HeapProfiler.enable');
    }
    const s = this.session;
    const out = createWriteStream(file);
    s.on('HeapProfiler.addHeapSnapshotChunk', (p) => {
      out.write(p.chunk as string);
    });
    try {
      await s.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    } finally {
      await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    }
  }

  close(): void {
    this.session?.close();
    this.session = null;
  }
}
