/**
 * @module The soak's mixed traffic: which calls, in what proportion, and the status each must answer. The mix is a
 * fixed cycle of 200 calls, shuffled once with a seeded generator, so every 200 calls hold exactly the weights below
 * whatever the rate. Ids flow from answers to later calls through pools that never race: notes created during the run
 * are only ever deleted (read and patched notes are the seeded ones), and an instance is deleted once, seconds after
 * its creation was accepted.
 */
import type { SoakAnswer, SoakRequest } from './soak-client.js';

/** Calls per cycle of 200: reads 60%, writes 30%, others 10%. Note and instance creations equal their deletions. */
export const MIX = {
  'notes.list': 30,
  'notes.get': 30,
  'dpaas.instances': 16,
  'dpaas.zones': 14,
  'push.report': 30,
  'notes.create': 10,
  'notes.patch': 30,
  'push.send': 20,
  'notes.delete': 10,
  'dpaas.create': 3,
  'dpaas.delete': 3,
  'bad-input': 3,
  'no-key': 1,
} as const;

export type Kind = keyof typeof MIX;

export const GROUP: Record<Kind, 'read' | 'write' | 'other'> = {
  'notes.list': 'read',
  'notes.get': 'read',
  'dpaas.instances': 'read',
  'dpaas.zones': 'read',
  'push.report': 'read',
  'notes.create': 'write',
  'notes.patch': 'write',
  'push.send': 'write',
  'notes.delete': 'other',
  'dpaas.create': 'other',
  'dpaas.delete': 'other',
  'bad-input': 'other',
  'no-key': 'other',
};

/** What the provisioning made before the traffic starts. */
export interface MixSeed {
  key: string;
  /** Notes read and patched for the whole run. */
  readNotes: number[];
  /** Notes waiting to be deleted, oldest first. */
  deletableNotes: number[];
  /** Accepted sends whose report can be read. */
  sends: string[];
  /** Instances waiting to be deleted, oldest first, with when their creation was accepted (performance.now()). */
  instances: { id: string; at: number }[];
  /** Push device ids of the app. */
  devices: string[];
  catalogue: { zoneId: string; offeringId: string; templateId: string };
}

/** One planned call: the request, the one status that counts as success, and what to learn from the answer. */
export interface Planned {
  kind: Kind;
  req: SoakRequest;
  expect: number;
  /** Reads the answer of a successful call; returns an error when the body is not what it must be. */
  settle?: (a: SoakAnswer) => string | undefined;
}

/** An instance is deleted only this long after its creation was accepted (the simulator takes ≤ 200 ms). */
const INSTANCE_MIN_AGE_MS = 2000;
const SENDS_KEPT = 500;
/** Every Nth send repeats the previous one with the same Idempotency-Key: a replay, answered 202 `duplicate`. */
const REPLAY_EVERY = 10;

/** mulberry32: a tiny seeded generator, so the cycle's order is the same on every run. */
const seeded = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const cycle = (): Kind[] => {
  const slots = (Object.entries(MIX) as [Kind, number][]).flatMap(([kind, n]) => Array.from({ length: n }, () => kind));
  const random = seeded(42);
  for (let i = slots.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [slots[i], slots[j]] = [slots[j], slots[i]];
  }
  return slots;
};

const json = (a: SoakAnswer): Record<string, unknown> | undefined => {
  try {
    return JSON.parse(a.text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
};

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)];

/** The traffic generator: `next()` plans the next call of the cycle. */
export class TrafficMix {
  private readonly slots = cycle();
  private slot = 0;
  private n = 0;
  /** Calls of each kind so far: variants rotate on these (the cycle puts a kind at fixed offsets, so `n` would not). */
  private readonly count: Partial<Record<Kind, number>> = {};
  /** The last send already answered: a replay of a send still in flight could legitimately be the one recorded. */
  private lastSend: { key: string; body: unknown; id: string } | null = null;
  /** Calls planned as another kind because their pool was empty or too young (should stay 0). */
  readonly substituted: Partial<Record<Kind, number>> = {};
  private readonly auth: Record<string, string>;

  constructor(private readonly seed: MixSeed) {
    this.auth = { authorization: `Bearer ${seed.key}` };
  }

  next(): Planned {
    const kind = this.slots[this.slot];
    this.slot = (this.slot + 1) % this.slots.length;
    this.n++;
    return this.plan(kind);
  }

  private substitute(kind: Kind): Planned {
    this.substituted[kind] = (this.substituted[kind] ?? 0) + 1;
    return this.plan('dpaas.zones');
  }

  private plan(kind: Kind): Planned {
    const s = this.seed;
    const n = this.n;
    const k = (this.count[kind] ?? 0) + 1;
    this.count[kind] = k;
    const get = (path: string): Planned => ({ kind, req: { method: 'GET', path, headers: this.auth }, expect: 200 });
    switch (kind) {
      case 'notes.list':
        return get('/api/notes/notes?limit=20');
      case 'notes.get':
        return get(`/api/notes/notes/${pick(s.readNotes)}`);
      case 'dpaas.instances':
        return get('/dpaas/v1/instances?limit=20');
      case 'dpaas.zones':
        return get('/dpaas/v1/zones');
      case 'push.report':
        return get(`/api/push/sends/${pick(s.sends)}?limit=10`);
      case 'notes.create':
        return {
          kind,
          req: {
            method: 'POST',
            path: '/api/notes/notes',
            headers: this.auth,
            body: { title: `soak ${n}`, text: `created by the soak run, call ${n}. `.repeat(3), tags: ['soak', `t${n % 7}`] },
          },
          expect: 201,
          settle: (a) => {
            const id = json(a)?.id;
            if (typeof id !== 'number') return `no note id in ${a.text.slice(0, 200)}`;
            s.deletableNotes.push(id);
          },
        };
      case 'notes.patch':
        return {
          kind,
          req: {
            method: 'PATCH',
            path: `/api/notes/notes/${pick(s.readNotes)}`,
            headers: this.auth,
            body: { title: `patched ${n}`, tags: ['soak', `p${n % 5}`] },
          },
          expect: 200,
        };
      case 'push.send': {
        if (this.lastSend && k % REPLAY_EVERY === 0) {
          const { key, body, id } = this.lastSend;
          return {
            kind,
            req: { method: 'POST', path: '/api/push/sends', headers: { ...this.auth, 'idempotency-key': key }, body },
            expect: 202,
            settle: (a) => {
              const answer = json(a);
              if (answer?.duplicate !== true || answer.id !== id) {
                return `a replay of send ${id} (Idempotency-Key ${key}) was not answered as that send: ${a.text.slice(0, 200)}`;
              }
            },
          };
        }
        const first = Math.floor(Math.random() * s.devices.length);
        const deviceIds = [0, 1, 2].map((j) => s.devices[(first + j * 7) % s.devices.length]);
        const key = `soak-${process.pid}-${n}`;
        const body = { target: { deviceIds }, notification: { title: 'Soak', body: `send ${n}`, data: { n: String(n) } } };
        return {
          kind,
          req: { method: 'POST', path: '/api/push/sends', headers: { ...this.auth, 'idempotency-key': key }, body },
          expect: 202,
          settle: (a) => {
            const id = json(a)?.id;
            if (typeof id !== 'string') return `no send id in ${a.text.slice(0, 200)}`;
            this.lastSend = { key, body, id };
            s.sends.push(id);
            if (s.sends.length > SENDS_KEPT) s.sends.splice(0, s.sends.length - SENDS_KEPT);
          },
        };
      }
      case 'notes.delete': {
        const id = s.deletableNotes.shift();
        if (id === undefined) return this.substitute(kind);
        return { kind, req: { method: 'DELETE', path: `/api/notes/notes/${id}`, headers: this.auth }, expect: 204 };
      }
      case 'dpaas.create': {
        const c = s.catalogue;
        return {
          kind,
          req: {
            method: 'POST',
            path: '/dpaas/v1/instances',
            headers: { ...this.auth, 'idempotency-key': `soak-vm-${process.pid}-${n}` },
            body: { name: `soak-${n}`, zoneId: c.zoneId, offeringId: c.offeringId, templateId: c.templateId, tags: { soak: 'yes' } },
          },
          expect: 202,
          settle: (a) => {
            const id = (json(a)?.resource as { id?: unknown } | undefined)?.id;
            if (typeof id !== 'string') return `no instance id in ${a.text.slice(0, 200)}`;
            s.instances.push({ id, at: performance.now() });
          },
        };
      }
      case 'dpaas.delete': {
        const head = s.instances[0];
        if (!head || performance.now() - head.at < INSTANCE_MIN_AGE_MS) return this.substitute(kind);
        s.instances.shift();
        return { kind, req: { method: 'DELETE', path: `/dpaas/v1/instances/${head.id}?expunge=true`, headers: this.auth }, expect: 202 };
      }
      case 'bad-input': {
        // Four validators in turn: a query bound, a body string length, a missing required property, an enum.
        const bad: SoakRequest[] = [
          { method: 'GET', path: '/api/notes/notes?limit=0', headers: this.auth },
          { method: 'POST', path: '/api/notes/notes', headers: this.auth, body: { title: '' } },
          {
            method: 'POST',
            path: '/api/push/sends',
            headers: { ...this.auth, 'idempotency-key': `soak-bad-${n}` },
            body: { target: { all: true } },
          },
          { method: 'GET', path: '/dpaas/v1/instances?state=bogus', headers: this.auth },
        ];
        return { kind, req: bad[k % bad.length], expect: 400 };
      }
      case 'no-key': {
        const paths = ['/api/notes/notes', '/dpaas/v1/zones', '/api/push/sends?limit=1'];
        // Without a key, then with a well-formed but unknown one.
        const headers: Record<string, string> = k % 2 === 0 ? {} : { authorization: `Bearer sbk_soak_unknown_${'0'.repeat(32)}` };
        return { kind, req: { method: 'GET', path: paths[Math.floor(k / 2) % paths.length], headers }, expect: 401 };
      }
    }
  }
}
