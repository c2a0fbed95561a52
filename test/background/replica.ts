/**
 * @module One replica as its own process, for the multi-replica and kill tests: the platform with the bgtest
 * fixture, configured from the environment like production. Prints `ready` once started; SIGTERM drains and exits.
 */
import 'reflect-metadata';
import { loadConfig } from '../../core/src/config/load-config.js';
import { createPlatform } from '../../core/src/platform/create-platform.js';

const platform = await createPlatform(loadConfig(process.env, process.cwd()));
if (platform.loadErrors.length) {
  process.stderr.write(`load errors: ${platform.loadErrors.map((e) => e.message).join('; ')}\n`);
  process.exit(1);
}
process.stdout.write('ready\n');
process.on('SIGTERM', async () => {
  await platform.close();
  process.exit(0);
});
