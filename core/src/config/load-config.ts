/** @module Reads CoreConfig from environment variables (12-factor) and `switchboard.config.yaml`. */
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { isAllowedHostEntry } from '../partners/host-guard.js';
import { ConfigError, type CoreConfig } from './config.js';

type Env = Record<string, string | undefined>;

const int = (env: Env, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number => {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(name, `expected an integer in [${min}, ${max}], got '${raw}'`);
  return n;
};

const bool = (env: Env, name: string, fallback: boolean): boolean => {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'on', 'yes'].includes(raw)) return true;
  if (['0', 'false', 'off', 'no'].includes(raw)) return false;
  throw new ConfigError(name, `expected on/off (true/false, 1/0), got '${env[name]}'`);
};

const oneOf = <T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T => {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new ConfigError(name, `expected ${allowed.join(' or ')}, got '${raw}'`);
  return raw as T;
};

/** A comma-separated list of host names, IPs and CIDRs (PARTNER_ALLOWED_HOSTS); set but empty means none. */
const hostList = (env: Env, name: string, fallback: string[]): string[] => {
  const raw = env[name];
  if (raw === undefined) return fallback;
  const entries = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = entries.find((e) => !isAllowedHostEntry(e.replace(/^\[(.*)\]$/, '$1')));
  if (bad !== undefined) throw new ConfigError(name, `expected host names, IP addresses or CIDRs, got '${bad}'`);
  return entries;
};

interface FileConfig {
  plugins?: unknown;
  config?: unknown;
}

const readFileConfig = (file: string): FileConfig => {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(file, `cannot read or parse: ${(e as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(file, 'expected a mapping at the top level');
  return parsed as FileConfig;
};

const envSliceName = (id: string) => `SWITCHBOARD_PLUGIN_${id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

/**
 * Builds the configuration. Precedence: environment variable, then the config file, then the default.
 *
 * @example
 * const config = loadConfig(process.env, process.cwd());
 */
export const loadConfig = (env: Env = process.env, cwd: string = process.cwd()): CoreConfig => {
  const nodeEnv = env.NODE_ENV === 'production' ? 'production' : env.NODE_ENV === 'test' ? 'test' : 'development';
  const explicitFile = env.SWITCHBOARD_CONFIG;
  const defaultFile = resolve(cwd, 'switchboard.config.yaml');
  const configFile = explicitFile ? resolve(cwd, explicitFile) : existsSync(defaultFile) ? defaultFile : null;
  if (explicitFile && !existsSync(configFile as string)) throw new ConfigError('SWITCHBOARD_CONFIG', `no such file: ${configFile}`);
  const file = configFile ? readFileConfig(configFile) : {};
  const rootDir = configFile ? dirname(configFile) : cwd;

  let plugins: string[];
  if (env.SWITCHBOARD_PLUGINS !== undefined) {
    plugins = env.SWITCHBOARD_PLUGINS.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  } else if (file.plugins === undefined) {
    plugins = [];
  } else if (Array.isArray(file.plugins) && file.plugins.every((p) => typeof p === 'string')) {
    plugins = file.plugins;
  } else {
    throw new ConfigError(`${configFile}#/plugins`, 'expected a list of plugin paths or package names');
  }

  if (file.config !== undefined && (typeof file.config !== 'object' || file.config === null || Array.isArray(file.config))) {
    throw new ConfigError(`${configFile}#/config`, 'expected a mapping of asset id to that plugin’s settings');
  }
  const pluginConfig = { ...((file.config as Record<string, Record<string, unknown>>) ?? {}) };
  const pluginConfigSources: Record<string, string> = Object.fromEntries(Object.keys(pluginConfig).map((id) => [id, configFile as string]));
  // SWITCHBOARD_PLUGIN_<ID>='{"key":1}' replaces keys of that plugin's slice, so secrets can stay out of the file.
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('SWITCHBOARD_PLUGIN_') || value === undefined) continue;
    const id = Object.keys(pluginConfig).find((k) => envSliceName(k) === name) ?? name.slice(19).toLowerCase().replace(/_/g, '-');
    let slice: unknown;
    try {
      slice = JSON.parse(value);
    } catch {
      throw new ConfigError(name, 'expected a JSON object');
    }
    if (typeof slice !== 'object' || slice === null || Array.isArray(slice)) throw new ConfigError(name, 'expected a JSON object');
    pluginConfig[id] = { ...(pluginConfig[id] ?? {}), ...(slice as Record<string, unknown>) };
    pluginConfigSources[id] = pluginConfigSources[id] ? `${pluginConfigSources[id]} + ${name}` : name;
  }

  const databaseUrl = env.DATABASE_URL || `sqlite:${resolve(cwd, 'data/switchboard.sqlite')}`;
  if (!/^(sqlite:|mysql:\/\/|mariadb:\/\/)/.test(databaseUrl)) {
    throw new ConfigError(
      'DATABASE_URL',
      `expected sqlite:<path>, mysql://… or mariadb://…, got '${databaseUrl.replace(/\/\/[^@]*@/, '//***@')}'`,
    );
  }

  const amqpUrl = env.AMQP_URL || null;
  if (amqpUrl && !/^amqps?:\/\//.test(amqpUrl)) {
    throw new ConfigError('AMQP_URL', `expected amqp://… or amqps://…, got '${amqpUrl.replace(/\/\/[^@]*@/, '//***@')}'`);
  }
  const queueAdapter = env.QUEUE_ADAPTER || (amqpUrl ? 'rabbitmq' : 'embedded');
  if (queueAdapter !== 'embedded' && queueAdapter !== 'rabbitmq') {
    throw new ConfigError('QUEUE_ADAPTER', `expected embedded or rabbitmq, got '${queueAdapter}'`);
  }
  if (queueAdapter === 'rabbitmq' && !amqpUrl) throw new ConfigError('AMQP_URL', 'QUEUE_ADAPTER=rabbitmq needs AMQP_URL');

  const adminToken = env.SWITCHBOARD_ADMIN_TOKEN || null;
  if (adminToken !== null && adminToken.length < 24) {
    throw new ConfigError('SWITCHBOARD_ADMIN_TOKEN', 'must be at least 24 characters (it guards the whole admin API)');
  }
  if (nodeEnv === 'production' && env.ACCESS_CONTROL !== undefined && !bool(env, 'ACCESS_CONTROL', true)) {
    throw new ConfigError('ACCESS_CONTROL', 'cannot be off in production: every asset would be open to anyone');
  }

  return {
    env: nodeEnv,
    port: int(env, 'PORT', 8080, 0, 65535),
    host: env.HOST || '0.0.0.0',
    databaseUrl,
    migrateOnStart: bool(env, 'MIGRATE_ON_START', true),
    plugins,
    pluginConfig,
    pluginConfigSources,
    rootDir,
    partnersDir: resolve(rootDir, env.PARTNERS_DIR || 'partners'),
    partnerAllowedHosts: hostList(env, 'PARTNER_ALLOWED_HOSTS', nodeEnv === 'development' ? ['localhost', '127.0.0.0/8', '::1'] : []),
    configFile,
    logLevel: env.LOG_LEVEL || (nodeEnv === 'test' ? 'warn' : 'info'),
    accessLog: bool(env, 'ACCESS_LOG', true),
    responseValidation: bool(env, 'RESPONSE_VALIDATION', nodeEnv !== 'production'),
    validators: oneOf(env, 'VALIDATORS', ['eager', 'lazy'] as const, nodeEnv === 'production' ? 'lazy' : 'eager'),
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 1024 * 1024, 1),
    httpTimeoutMs: int(env, 'HTTP_TIMEOUT_MS', 10_000, 1),
    publicUrl: env.PUBLIC_URL || null,
    accessControl: bool(env, 'ACCESS_CONTROL', true),
    adminToken,
    demoApp: bool(env, 'DEMO_APP', nodeEnv === 'development'),
    accessPollMs: int(env, 'ACCESS_POLL_MS', 1000, 50, 60_000),
    authAttemptsPerMinute: int(env, 'AUTH_ATTEMPTS_PER_MINUTE', 10, 1, 100_000),
    // In production the API port is public: metrics there only behind a token, or when asked for (METRICS=on).
    metrics: bool(env, 'METRICS', nodeEnv !== 'production' || Boolean(env.METRICS_TOKEN)),
    metricsToken: env.METRICS_TOKEN || null,
    queueAdapter,
    amqpUrl,
    amqpQueueType: oneOf(env, 'AMQP_QUEUE_TYPE', ['classic', 'quorum'] as const, 'classic'),
    replicaId: env.REPLICA_ID || `${hostname()}-${process.pid}`,
    role: oneOf(env, 'SWITCHBOARD_ROLE', ['all', 'api', 'worker'] as const, 'all'),
    jobLeaseMs: int(env, 'JOB_LEASE_MS', 15_000, 100),
    schedulerPollMs: int(env, 'SCHEDULER_POLL_MS', 250, 10),
    queueLeaseMs: int(env, 'QUEUE_LEASE_MS', 30_000, 100),
    queuePollMs: int(env, 'QUEUE_POLL_MS', 200, 10),
    drainMs: int(env, 'SHUTDOWN_DRAIN_MS', 10_000, 0),
  };
};
