/**
 * @module `npm run fleet`: three replicas on this machine's MariaDB and RabbitMQ behind a round-robin proxy, and the
 * end-to-end story across them, each step printed with its time and the replicas that served it. `--keep` leaves the
 * fleet running for manual use (Ctrl-C stops it and drops its database); `--port N` puts the proxy on port N;
 * `--dpaas-simulator` runs dPaaS on the built-in simulator instead of the fake CloudStack (to see why it cannot serve
 * a fleet).
 */
import 'reflect-metadata';
import { type Fleet, fleetUnavailable, startFleet } from '../test/fleet/fleet.js';
import { errorLogLines, formatStep, runStory, type StoryResult } from '../test/fleet/story.js';

const args = process.argv.slice(2);
const keep = args.includes('--keep');
const dpaasDriver = args.includes('--dpaas-simulator') ? 'simulator' : 'cloudstack';
const portArg = args.indexOf('--port');
const proxyPort = portArg >= 0 ? Number(args[portArg + 1]) : undefined;
if (args.some((a, i) => !['--keep', '--port', '--dpaas-simulator'].includes(a) && args[i - 1] !== '--port') || Number.isNaN(proxyPort)) {
  process.stderr.write('usage: npm run fleet -- [--keep] [--port N] [--dpaas-simulator]\n');
  process.exit(2);
}

const why = await fleetUnavailable();
if (why) {
  process.stderr.write(`fleet: ${why}\nStart MariaDB and RabbitMQ first (docs/operating.md, "A fleet on one machine").\n`);
  process.exit(1);
}

let fleet: Fleet | undefined;
let stopping: Promise<void> | undefined;
const stop = (code: number) => {
  stopping ??= (async () => {
    console.log('\nstopping the fleet: replicas, proxy, upstreams; dropping the database and the virtual host…');
    const t = performance.now();
    await fleet?.stop();
    console.log(`stopped in ${Math.round(performance.now() - t)} ms.`);
    process.exit(code);
  })();
  return stopping;
};
// Ctrl-C reaches the replicas too (same process group); they stop on their own, and stop() cleans up the rest.
process.on('SIGINT', () => void stop(130));
process.on('SIGTERM', () => void stop(143));

const t0 = performance.now();
console.log('Starting a fleet of 3 replicas…');
try {
  fleet = await startFleet({ proxyPort, dpaasDriver, log: (line) => console.log(`  ${line}`) });
} catch (e) {
  process.stderr.write(`fleet: could not start: ${(e as Error).message}\n`);
  process.exit(1);
}
console.log(`Fleet up in ${Math.round(performance.now() - t0)} ms ${JSON.stringify(fleet.startTimings)}\n\nThe story:`);

let result: StoryResult;
let n = 0;
try {
  result = await runStory(fleet, { onStep: (s) => console.log(formatStep(s, n++)) });
} catch (e) {
  console.error(`\nFAILED: ${(e as Error).message}\n\nReplica output (tail):\n${fleet.logs()}`);
  await stop(1);
  throw e;
}
const served = Object.entries(fleet.proxy.snapshot())
  .map(([name, count]) => `${name} ${count}`)
  .join(', ');
console.log(`\nStory done in ${result.totalMs} ms: ${result.steps.length} steps; requests through the proxy: ${served}.`);
const noisy = errorLogLines(fleet, 'ASSET_DISABLED');
const noise = Object.values(noisy).reduce((a, b) => a + b, 0);
if (noise > 0)
  console.log(
    `Regression: the replicas logged ${noise} error-level lines for the 503 ASSET_DISABLED refusals (${JSON.stringify(noisy)}); test/fleet/fleet.test.ts expects none.`,
  );

if (!keep) await stop(0);
else {
  console.log(`
The fleet keeps running (Ctrl-C stops it and drops the database):
  Proxy          ${fleet.proxyUrl}   (round robin; X-Fleet-Replica names the replica that answered)
  Replicas       ${fleet.replicas.map((r) => `${r.name} ${r.url}`).join(', ')}
  Admin token    ${fleet.adminToken}
  App key        ${result.key}   (app ${result.appId}, subscribed to notes, push, dpaas, ${fleet.partner.id})
  Console        ${fleet.proxyUrl}/console      Portal ${fleet.proxyUrl}/portal      Docs ${fleet.proxyUrl}/docs
  Database       ${fleet.databaseUrl.replace(/\/\/[^@]*@/, '//')}
  Try            curl -s ${fleet.proxyUrl}/api/notes/notes -H "authorization: Bearer ${result.key}" -i | grep -i x-fleet-replica`);
}
