/**
 * @module The database and the queue a soak run uses: a fresh MariaDB database (or a SQLite file) and, when RabbitMQ
 * answers, a virtual host of its own, so that no other run's consumers on the same broker take the soak's messages.
 * `drop()` removes both.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connect } from 'amqplib';
import { createMariaDbDatabase, MARIADB_URL, mariaDbUnavailable } from '../support/backends.js';

const run = promisify(execFile);

export const AMQP_BASE_URL = 'amqp://guest:guest@127.0.0.1:5672';

export interface SoakBackends {
  databaseUrl: string;
  /** `mariadb (sb_test_…)` or `sqlite (…)`: what the report prints. */
  database: string;
  queue: 'rabbitmq' | 'embedded';
  amqpUrl: string;
  /** Why the queue is what it is, for the report. */
  queueNote: string;
  drop(): Promise<void>;
}

const hidePassword = (url: string) => url.replace(/\/\/[^@]*@/, '//');

const rabbitUnavailable = async (): Promise<string | null> => {
  try {
    const c = await connect(AMQP_BASE_URL, { timeout: 3000 });
    await c.close();
    return null;
  } catch (e) {
    return `RabbitMQ at ${hidePassword(AMQP_BASE_URL)} is unreachable: ${(e as Error).message}`;
  }
};

const createVhost = async () => {
  const vhost = `sb-soak-${randomBytes(4).toString('hex')}`;
  await run('rabbitmqctl', ['add_vhost', vhost], { timeout: 30_000 });
  await run('rabbitmqctl', ['set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*'], { timeout: 30_000 });
  return {
    vhost,
    url: `${AMQP_BASE_URL}/${encodeURIComponent(vhost)}`,
    drop: async () => {
      await run('rabbitmqctl', ['delete_vhost', vhost], { timeout: 30_000 });
    },
  };
};

/**
 * Picks and prepares the backends. `db` and `queue` are SOAK_DB and SOAK_QUEUE: unset means MariaDB and RabbitMQ when
 * they answer, else SQLite and the embedded queue; set, an unreachable one fails the run.
 */
export const prepareBackends = async ({ db, queue }: { db?: string; queue?: string }): Promise<SoakBackends> => {
  const drops: (() => Promise<void>)[] = [];
  const drop = async () => {
    for (const d of drops.splice(0).reverse()) await d().catch((e) => console.error(`clean-up: ${(e as Error).message}`));
  };
  try {
    let databaseUrl: string;
    let database: string;
    const mariaWhyNot = db === 'sqlite' ? 'SOAK_DB=sqlite' : await mariaDbUnavailable();
    if (db === 'mariadb' && mariaWhyNot) throw new Error(`SOAK_DB=mariadb: ${mariaWhyNot}`);
    if (db !== undefined && db !== 'sqlite' && db !== 'mariadb') throw new Error(`SOAK_DB: expected sqlite or mariadb, got '${db}'`);
    if (mariaWhyNot === null) {
      const made = await createMariaDbDatabase();
      drops.push(made.drop);
      databaseUrl = made.url;
      database = `mariadb ${hidePassword(made.url)} (fresh, dropped at the end)`;
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'sb-soak-'));
      drops.push(async () => rmSync(dir, { recursive: true, force: true }));
      databaseUrl = `sqlite:${join(dir, 'soak.sqlite')}`;
      database = `sqlite ${databaseUrl.slice('sqlite:'.length)}${db === 'sqlite' ? '' : ` (${mariaWhyNot}; server ${hidePassword(MARIADB_URL)})`}`;
    }

    if (queue !== undefined && queue !== 'rabbitmq' && queue !== 'embedded') {
      throw new Error(`SOAK_QUEUE: expected rabbitmq or embedded, got '${queue}'`);
    }
    const rabbitWhyNot = queue === 'embedded' ? 'SOAK_QUEUE=embedded' : await rabbitUnavailable();
    if (queue === 'rabbitmq' && rabbitWhyNot) throw new Error(`SOAK_QUEUE=rabbitmq: ${rabbitWhyNot}`);
    if (rabbitWhyNot !== null) {
      return { databaseUrl, database, queue: 'embedded', amqpUrl: '', queueNote: `embedded (${rabbitWhyNot})`, drop };
    }
    try {
      const vhost = await createVhost();
      drops.push(vhost.drop);
      return { databaseUrl, database, queue: 'rabbitmq', amqpUrl: vhost.url, queueNote: `rabbitmq, virtual host ${vhost.vhost}`, drop };
    } catch (e) {
      // Sharing `/` with other runs would let their consumers take this run's messages: the embedded queue instead.
      if (queue === 'rabbitmq') throw new Error(`SOAK_QUEUE=rabbitmq: rabbitmqctl add_vhost failed: ${(e as Error).message}`);
      const why = (e as Error).message.split('\n')[0];
      return { databaseUrl, database, queue: 'embedded', amqpUrl: '', queueNote: `embedded (rabbitmqctl is not usable: ${why})`, drop };
    }
  } catch (e) {
    await drop();
    throw e;
  }
};
