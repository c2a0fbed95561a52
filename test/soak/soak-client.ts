/** @module One HTTP call over a keep-alive agent, as a load generator needs it: status and body, never a throw. */
import { Agent, request } from 'node:http';

export interface SoakRequest {
  method: string;
  path: string;
  /** JSON body. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface SoakAnswer {
  /** 0 when the call failed below HTTP (reset, refused, timeout); `error` says why. */
  status: number;
  text: string;
  error?: string;
}

/** A keep-alive client bound to one server. */
export class SoakClient {
  readonly agent: Agent;

  constructor(
    private readonly host: string,
    private readonly port: number,
    sockets: number,
    private readonly timeoutMs = 30_000,
  ) {
    // An idle socket is dropped after 4 s, before the server's keep-alive timeout (Node's default, 5 s, announced as
    // `Keep-Alive: timeout=5`): without an agent timeout Node ignores that hint and keeps idle sockets forever, and a
    // call sent on one just as the server closes it fails with ECONNRESET (2 in 51 600 calls in the first soak run).
    this.agent = new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets, timeout: 4000 });
  }

  call(r: SoakRequest): Promise<SoakAnswer> {
    return new Promise((resolve) => {
      const data = r.body === undefined ? undefined : Buffer.from(JSON.stringify(r.body));
      const req = request(
        {
          host: this.host,
          port: this.port,
          method: r.method,
          path: r.path,
          agent: this.agent,
          timeout: this.timeoutMs,
          headers: { ...r.headers, ...(data ? { 'content-type': 'application/json', 'content-length': data.length } : {}) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            text += d;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          res.on('error', (e) => resolve({ status: 0, text, error: e.message }));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer in ${this.timeoutMs} ms`)));
      req.on('error', (e) => resolve({ status: 0, text: '', error: `${(e as NodeJS.ErrnoException).code ?? ''} ${e.message}`.trim() }));
      req.end(data);
    });
  }

  /** Calls waiting in the agent for a free socket (all `sockets` busy): time the server never saw. */
  queued(): number {
    let n = 0;
    for (const waiting of Object.values(this.agent.requests)) n += waiting?.length ?? 0;
    return n;
  }

  close(): void {
    this.agent.destroy();
  }
}
