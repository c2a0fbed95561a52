/**
 * @module Compares two V8 heap snapshots of the same process (`.heapsnapshot`, as `heap-probe.ts` or
 * `--heapsnapshot-signal` write them): totals, then count and self size by constructor at each end and the
 * difference, largest growth first. `--retained`: retained sizes (dominator tree) of the objects that retain at least
 * `--min-kb` (64), keyed by their shortest retaining path, at each end and the difference, largest growth first (this
 * names the Map or array that grows). `--grep <regex>`: those retained sizes for the paths that match, at each end.
 * `--retainers <constructor>`: the shortest retaining paths of that constructor's objects in the end snapshot, grouped.
 * (V8's object ids are not stable between two snapshots here, even over one inspector session, so the comparison is
 * by constructor and by path, not by object.)
 *
 *   node --max-old-space-size=8000 --import tsx test/soak/heap-diff.ts start.heapsnapshot end.heapsnapshot \
 *     [--top 40] [--retained [--min-kb 64]] [--grep 'jobs Map$'] [--retainers Name]
 */
import { readFileSync } from 'node:fs';

interface Snap {
  nodeCount: number;
  nf: number;
  ef: number;
  nodes: Uint32Array;
  edges: Uint32Array;
  strings: string[];
  nodeTypes: string[];
  edgeTypes: string[];
  firstEdge: Uint32Array;
  /** Field offsets. */
  o: { type: number; name: number; id: number; self: number; edgeCount: number; eType: number; eName: number; eTo: number };
}

const load = (file: string): Snap => {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as {
    snapshot: {
      meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] };
      node_count: number;
    };
    nodes: number[];
    edges: number[];
    strings: string[];
  };
  const m = raw.snapshot.meta;
  const nf = m.node_fields.length;
  const ef = m.edge_fields.length;
  const nodes = Uint32Array.from(raw.nodes);
  const edges = Uint32Array.from(raw.edges);
  const nodeCount = nodes.length / nf;
  const o = {
    type: m.node_fields.indexOf('type'),
    name: m.node_fields.indexOf('name'),
    id: m.node_fields.indexOf('id'),
    self: m.node_fields.indexOf('self_size'),
    edgeCount: m.node_fields.indexOf('edge_count'),
    eType: m.edge_fields.indexOf('type'),
    eName: m.edge_fields.indexOf('name_or_index'),
    eTo: m.edge_fields.indexOf('to_node'),
  };
  const firstEdge = new Uint32Array(nodeCount + 1);
  for (let i = 0, e = 0; i < nodeCount; i++) {
    firstEdge[i] = e;
    e += nodes[i * nf + o.edgeCount] * ef;
    firstEdge[i + 1] = e;
  }
  return { nodeCount, nf, ef, nodes, edges, strings: raw.strings, nodeTypes: m.node_types[0], edgeTypes: m.edge_types[0], firstEdge, o };
};

/** The class a node is counted under, as DevTools' summary does: the constructor for objects, the type otherwise. */
const className = (s: Snap, i: number): string => {
  const type = s.nodeTypes[s.nodes[i * s.nf + s.o.type]];
  const name = s.strings[s.nodes[i * s.nf + s.o.name]];
  if (type === 'object' || type === 'native') return name;
  if (type === 'closure') return `${name || '(anonymous)'}()`;
  if (type === 'hidden' || type === 'synthetic' || type === 'code') return `(${type}) ${name.slice(0, 40)}`;
  if (type === 'array') return `(array) ${name.slice(0, 40)}`;
  return `(${type})`;
};

interface Agg {
  count: number;
  size: number;
}

const summarize = (s: Snap, keep: (i: number) => boolean = () => true): Map<string, Agg> => {
  const by = new Map<string, Agg>();
  for (let i = 0; i < s.nodeCount; i++) {
    if (!keep(i)) continue;
    const k = className(s, i);
    const a = by.get(k) ?? { count: 0, size: 0 };
    a.count++;
    a.size += s.nodes[i * s.nf + s.o.self];
    by.set(k, a);
  }
  return by;
};

const total = (by: Map<string, Agg>) =>
  [...by.values()].reduce((t, a) => ({ count: t.count + a.count, size: t.size + a.size }), { count: 0, size: 0 });
const mb = (b: number) => (b / 2 ** 20).toFixed(2);
const kb = (b: number) => (b / 1024).toFixed(1);

/** Shortest path from the root (node 0) to `target`, ignoring weak edges: [node, edge name] pairs. */
const retainingPath = (s: Snap, target: number, parent: Int32Array, parentEdge: Int32Array): string => {
  const parts: string[] = [];
  let n = target;
  let guard = 0;
  while (n > 0 && guard++ < 40) {
    const p = parent[n];
    if (p < 0) return `(unreachable) ${parts.join(' ← ')}`;
    const e = parentEdge[n];
    const et = s.edgeTypes[s.edges[e + s.o.eType]];
    const en = et === 'element' || et === 'hidden' ? `[${s.edges[e + s.o.eName]}]` : `.${s.strings[s.edges[e + s.o.eName]]}`;
    parts.push(`${className(s, n)}`);
    parts.push(en);
    n = p;
  }
  return parts.reverse().join(' ').replace(/ \./g, '.').replace(/ \[/g, '[');
};

const bfs = (s: Snap) => {
  const parent = new Int32Array(s.nodeCount).fill(-1);
  const parentEdge = new Int32Array(s.nodeCount).fill(-1);
  const weak = s.edgeTypes.indexOf('weak');
  const queue = new Uint32Array(s.nodeCount);
  let head = 0;
  let tail = 0;
  queue[tail++] = 0;
  parent[0] = 0;
  while (head < tail) {
    const n = queue[head++];
    for (let e = s.firstEdge[n]; e < s.firstEdge[n + 1]; e += s.ef) {
      if (s.edges[e + s.o.eType] === weak) continue;
      const to = s.edges[e + s.o.eTo] / s.nf;
      if (parent[to] !== -1) continue;
      parent[to] = n;
      parentEdge[to] = e;
      queue[tail++] = to;
    }
  }
  return { parent, parentEdge };
};

/**
 * Retained sizes: the dominator tree over strong edges (Cooper, Harvey and Kennedy's iterative algorithm on the
 * reverse postorder), then each node's self size plus its dominated nodes'.
 */
const retainedSizes = (s: Snap): Float64Array => {
  const n = s.nodeCount;
  const weak = s.edgeTypes.indexOf('weak');
  const post = new Int32Array(n).fill(-1);
  const order = new Uint32Array(n);
  let count = 0;
  // Iterative DFS: a stack of nodes and the next edge to follow.
  const stackNode = new Uint32Array(n);
  const stackEdge = new Uint32Array(n);
  const visited = new Uint8Array(n);
  let sp = 0;
  stackNode[0] = 0;
  stackEdge[0] = s.firstEdge[0];
  visited[0] = 1;
  sp = 1;
  while (sp > 0) {
    const v = stackNode[sp - 1];
    const e = stackEdge[sp - 1];
    if (e < s.firstEdge[v + 1]) {
      stackEdge[sp - 1] = e + s.ef;
      if (s.edges[e + s.o.eType] === weak) continue;
      const w = s.edges[e + s.o.eTo] / s.nf;
      if (visited[w]) continue;
      visited[w] = 1;
      stackNode[sp] = w;
      stackEdge[sp] = s.firstEdge[w];
      sp++;
    } else {
      post[v] = count;
      order[count++] = v;
      sp--;
    }
  }
  // Predecessors (strong edges between reachable nodes).
  const predCount = new Uint32Array(n + 1);
  for (let v = 0; v < n; v++) {
    if (post[v] < 0) continue;
    for (let e = s.firstEdge[v]; e < s.firstEdge[v + 1]; e += s.ef) {
      if (s.edges[e + s.o.eType] === weak) continue;
      predCount[s.edges[e + s.o.eTo] / s.nf]++;
    }
  }
  const predStart = new Uint32Array(n + 1);
  for (let v = 0; v < n; v++) predStart[v + 1] = predStart[v] + predCount[v];
  const preds = new Uint32Array(predStart[n]);
  const fill = predStart.slice(0, n);
  for (let v = 0; v < n; v++) {
    if (post[v] < 0) continue;
    for (let e = s.firstEdge[v]; e < s.firstEdge[v + 1]; e += s.ef) {
      if (s.edges[e + s.o.eType] === weak) continue;
      const w = s.edges[e + s.o.eTo] / s.nf;
      preds[fill[w]++] = v;
    }
  }
  // idom by postorder number.
  const idom = new Int32Array(count).fill(-1);
  const root = post[0];
  idom[root] = root;
  let changed = true;
  while (changed) {
    changed = false;
    for (let i = count - 2; i >= 0; i--) {
      const v = order[i];
      let nd = -1;
      for (let k = predStart[v]; k < predStart[v + 1]; k++) {
        let p = post[preds[k]];
        if (p < 0 || idom[p] === -1) continue;
        if (nd === -1) {
          nd = p;
          continue;
        }
        let q = nd;
        while (p !== q) {
          while (p < q) p = idom[p];
          while (q < p) q = idom[q];
        }
        nd = p;
      }
      if (nd !== -1 && idom[i] !== nd) {
        idom[i] = nd;
        changed = true;
      }
    }
  }
  const retained = new Float64Array(n);
  for (let i = 0; i < count; i++) retained[order[i]] += s.nodes[order[i] * s.nf + s.o.self];
  for (let i = 0; i < count; i++) {
    if (i === root) continue;
    const d = idom[i];
    if (d >= 0) retained[order[d]] += retained[order[i]];
  }
  return retained;
};

/** Nodes retaining at least `min` bytes, keyed by their shortest retaining path (indexes blanked), summed. */
const bigRetainers = (s: Snap, min: number): Map<string, { size: number; count: number }> => {
  const retained = retainedSizes(s);
  const { parent, parentEdge } = bfs(s);
  const out = new Map<string, { size: number; count: number }>();
  for (let i = 1; i < s.nodeCount; i++) {
    if (retained[i] < min) continue;
    const k = retainingPath(s, i, parent, parentEdge)
      .replace(/\[\d+\]/g, '[n]')
      .replace(/\.\d+ /g, '.n ')
      .replace(/@\d+/g, '@');
    const a = out.get(k) ?? { size: 0, count: 0 };
    a.size += retained[i];
    a.count++;
    out.set(k, a);
  }
  return out;
};

const args = process.argv.slice(2);
const files = args.filter((a, i) => !a.startsWith('--') && !['--top', '--retainers', '--min-kb', '--grep'].includes(args[i - 1]));
const opt = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const top = Number(opt('top') ?? 40);
const retainersOf = opt('retainers');
if (files.length !== 2) {
  process.stderr.write('usage: heap-diff.ts start.heapsnapshot end.heapsnapshot [--top 40] [--retainers Name]\n');
  process.exit(2);
}

const a = load(files[0]);
const b = load(files[1]);
const sa = summarize(a);
const sb = summarize(b);
const ta = total(sa);
const tb = total(sb);
console.log(`start: ${files[0]}: ${a.nodeCount} nodes, ${mb(ta.size)} MB`);
console.log(`end:   ${files[1]}: ${b.nodeCount} nodes, ${mb(tb.size)} MB`);
console.log(`growth: ${b.nodeCount - a.nodeCount} nodes, ${mb(tb.size - ta.size)} MB\n`);

const rows = [...new Set([...sa.keys(), ...sb.keys()])].map((k) => {
  const x = sa.get(k) ?? { count: 0, size: 0 };
  const y = sb.get(k) ?? { count: 0, size: 0 };
  return { k, x, y, dc: y.count - x.count, ds: y.size - x.size };
});
rows.sort((p, q) => q.ds - p.ds);
const line = (cols: string[]) => console.log(cols.map((c, i) => (i === cols.length - 1 ? c : c.padStart(12))).join(' '));
console.log('by constructor, largest growth of self size first:');
line(['count start', 'count end', 'Δ count', 'KB start', 'KB end', 'Δ KB', 'constructor']);
for (const r of rows.slice(0, top)) line([String(r.x.count), String(r.y.count), String(r.dc), kb(r.x.size), kb(r.y.size), kb(r.ds), r.k]);
console.log('… largest shrink:');
for (const r of rows.slice(-5)) line([String(r.x.count), String(r.y.count), String(r.dc), kb(r.x.size), kb(r.y.size), kb(r.ds), r.k]);

if (retainersOf) {
  const { parent, parentEdge } = bfs(b);
  const paths = new Map<string, number>();
  let seen = 0;
  for (let i = 0; i < b.nodeCount; i++) {
    if (className(b, i) !== retainersOf) continue;
    seen++;
    // Group paths with their indexes blanked, so 1000 elements of one array count as one path.
    const p = retainingPath(b, i, parent, parentEdge)
      .replace(/\[\d+\]/g, '[n]')
      .replace(/\.\d+ /g, '.n ')
      .replace(/@\d+/g, '@');
    paths.set(p, (paths.get(p) ?? 0) + 1);
  }
  console.log(
    `\nretaining paths of the ${seen} '${retainersOf}' objects in the end snapshot (shortest path from the roots, most common first):`,
  );
  for (const [p, n] of [...paths].sort((x, y) => y[1] - x[1]).slice(0, 15)) console.log(`  ${n} × ${p}`);
}

if (args.includes('--retained')) {
  const min = Number(opt('min-kb') ?? 64) * 1024;
  const ra = bigRetainers(a, min);
  const rb = bigRetainers(b, min);
  const keys = [...new Set([...ra.keys(), ...rb.keys()])]
    .map((k) => ({ k, x: ra.get(k)?.size ?? 0, y: rb.get(k)?.size ?? 0 }))
    .sort((p, q) => q.y - q.x - (p.y - p.x));
  console.log(`\nretained size by retaining path (objects retaining ≥ ${kb(min)} KB in either snapshot), largest growth first:`);
  line(['KB start', 'KB end', 'Δ KB', 'path']);
  for (const r of keys.slice(0, top)) line([kb(r.x), kb(r.y), kb(r.y - r.x), r.k.length > 400 ? `…${r.k.slice(-400)}` : r.k]);
}

const grep = opt('grep');
if (grep) {
  // Retained size of the objects whose retaining path ends with the pattern, in each snapshot.
  const re = new RegExp(grep);
  const min = Number(opt('min-kb') ?? 64) * 1024;
  for (const [label, snap] of [
    ['start', a],
    ['end', b],
  ] as const) {
    for (const [k, v] of bigRetainers(snap, min))
      if (re.test(k)) console.log(`${label}: ${kb(v.size)} KB (${v.count}) ${k.length > 300 ? `…${k.slice(-300)}` : k}`);
  }
}
