/** @module `npm start`: reads the configuration, serves the platform, stops cleanly on SIGTERM/SIGINT. */
import 'reflect-metadata';
import { ConfigError } from './config/config.js';
import { loadConfig } from './config/load-config.js';
import { serve } from './serve.js';

try {
  const { stop, platform } = await serve(loadConfig());
  const shutdown = (signal: string) => {
    platform.log.info({ signal }, 'shutting down');
    // A second signal, or a drain that hangs, must not leave the process alive forever.
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    stop().then(
      () => process.exit(0),
      (err) => {
        platform.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
} catch (e) {
  const what = e instanceof ConfigError ? 'configuration error' : 'cannot start';
  process.stderr.write(`Switchboard ${what}: ${(e as Error).message}\n`);
  process.exit(1);
}
