/**
 * @module The push fault drill of issue 5 (point 7), as a script: 20,000 recipients on RabbitMQ and MariaDB, the
 * worker replica SIGKILLed twice (restarted each time) and the broker restarted once mid-run. Prints each check and
 * the measured figures, the last line as JSON; exits 1 when a check fails.
 *
 *   npm run soak:push -- [--recipients 20000] [--kills 2] [--broker-restarts 1] [--latency-ms 1500] [--fault-gap-ms 2000] [--chunk-size 500]
 */
import { parseArgs } from 'node:util';
import { runFaultDrill } from './fault-drill-scenario.js';

const { values } = parseArgs({
  options: {
    recipients: { type: 'string', default: '20000' },
    kills: { type: 'string', default: '2' },
    'broker-restarts': { type: 'string', default: '1' },
    // The fakes answer after 1.5 s, so each chunk is in flight long enough for a kill to catch some.
    'latency-ms': { type: 'string', default: '1500' },
    'fault-gap-ms': { type: 'string', default: '2000' },
    'chunk-size': { type: 'string', default: '500' },
  },
});

const t0 = Date.now();
const stamp = () => `[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s]`;
const result = await runFaultDrill({
  recipients: Number(values.recipients),
  kills: Number(values.kills),
  brokerRestarts: Number(values['broker-restarts']),
  latencyMs: Number(values['latency-ms']),
  faultGapMs: Number(values['fault-gap-ms']),
  chunkSize: Number(values['chunk-size']),
  log: (line) => console.log(`${stamp()} ${line}`),
});

console.log(
  `\npush fault drill: ${result.recipients} recipients (${result.unregisteredTokens} Unregistered, ${result.throttledTokens} throttled once)`,
);
console.log(`  accepted in ${result.acceptMs} ms, settled (${result.report.status}) ${result.seconds} s after the send`);
result.faults.forEach((f, i) => {
  const next = result.faults[i + 1]?.duplicatesBefore ?? result.duplicates.deliveries;
  console.log(
    `  fault: ${f.what} at ${f.atDelivered} delivered (${f.ms} ms); duplicates until the next fault or the end: ${next - f.duplicatesBefore}`,
  );
});
console.log(`  results: ${JSON.stringify(result.statuses)}; report totals ${JSON.stringify(result.report.totals)}`);
console.log(
  `  duplicate deliveries: ${result.duplicates.deliveries} to ${result.duplicates.tokens} tokens; bound ${result.bound.killsOnly} (kills) / ${result.bound.withBrokerRestarts} (${result.bound.formula})`,
);
for (const c of result.checks) console.log(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
