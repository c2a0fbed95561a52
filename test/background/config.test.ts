/** The background settings in the configuration: defaults, and errors that name the variable at fault. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/src/config/load-config.js';

const load = (env: Record<string, string>) => loadConfig({ NODE_ENV: 'test', SWITCHBOARD_CONFIG: '', ...env }, '/nonexistent');

describe('background config', () => {
  it('defaults to the embedded queue and a replica id from the host and pid', () => {
    const c = load({});
    expect(c.queueAdapter).toBe('embedded');
    expect(c.amqpUrl).toBeNull();
    expect(c.replicaId).toMatch(new RegExp(`-${process.pid}$`));
    expect(c.jobLeaseMs).toBe(15_000);
  });

  it('selects RabbitMQ when AMQP_URL is set', () => {
    expect(load({ AMQP_URL: 'amqp://u:p@h:5672' })).toMatchObject({ queueAdapter: 'rabbitmq', amqpUrl: 'amqp://u:p@h:5672' });
    expect(load({ AMQP_URL: 'amqp://h', QUEUE_ADAPTER: 'embedded' }).queueAdapter).toBe('embedded');
  });

  it('rejects bad values naming the variable, without echoing credentials', () => {
    expect(() => load({ QUEUE_ADAPTER: 'kafka' })).toThrow(/^QUEUE_ADAPTER: expected embedded or rabbitmq/);
    expect(() => load({ QUEUE_ADAPTER: 'rabbitmq' })).toThrow(/^AMQP_URL: QUEUE_ADAPTER=rabbitmq needs AMQP_URL/);
    expect(() => load({ AMQP_URL: 'http://user:secret@h' })).toThrow(/AMQP_URL: expected amqp/);
    expect(() => load({ AMQP_URL: 'http://user:secret@h' })).not.toThrow(/secret/);
    expect(() => load({ JOB_LEASE_MS: '5' })).toThrow(/^JOB_LEASE_MS/);
  });
});
