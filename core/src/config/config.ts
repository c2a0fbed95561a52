/** @module The core's typed configuration, read from the environment and an optional YAML/JSON file. */

export interface CoreConfig {
  env: 'development' | 'test' | 'production';
  port: number;
  host: string;
  /** `sqlite:<path>`, `mysql://…` or `mariadb://…`. */
  databaseUrl: string;
  migrateOnStart: boolean;
  /** Plugin specifiers: paths (resolved against `rootDir`) or package names. */
  plugins: string[];
  /** Per-plugin configuration slices, by asset id. */
  pluginConfig: Record<string, Record<string, unknown>>;
  /** Where each slice came from (the config file or a SWITCHBOARD_PLUGIN_<ID> variable), for error messages. */
  pluginConfigSources: Record<string, string>;
  /** Where relative paths in the config resolve from. */
  rootDir: string;
  /** PARTNERS_DIR: partner documents loaded at start as assets, one file each (core/src/partners); may not exist. */
  partnersDir: string;
  /**
   * PARTNER_ALLOWED_HOSTS: host names, IPs and CIDRs partner upstreams may reach although they are not public
   * (loopback, private, link-local…). Default: loopback in development, none otherwise.
   */
  partnerAllowedHosts: string[];
  /** The file the config came from, if any (for error messages). */
  configFile: string | null;
  logLevel: string;
  /** Log one line per request. */
  accessLog: boolean;
  responseValidation: boolean;
  /**
   * VALIDATORS: `eager` compiles every request validator while loading (a broken schema stops the plugin at start);
   * `lazy` serves at once and compiles in the background (a broken schema is logged and its operation answers 500).
   * Default: lazy in production, eager otherwise — so development and CI catch schema errors at start.
   */
  validators: 'eager' | 'lazy';
  bodyLimitBytes: number;
  httpTimeoutMs: number;
  /** The URL the platform is reached at, for the banner and the merged document's `servers`. */
  publicUrl: string | null;
  /** Key auth, subscriptions, limits and metering in front of every asset call, and the admin API. */
  accessControl: boolean;
  /** SWITCHBOARD_ADMIN_TOKEN: the first operator's token; a secret, never logged. Generated and printed once if unset. */
  adminToken: string | null;
  /** Create a demo app with a key subscribed to every asset on an empty database (development only). */
  demoApp: boolean;
  /** How often a replica checks whether access data (keys, subscriptions, toggles) changed. */
  accessPollMs: number;
  /** AUTH_ATTEMPTS_PER_MINUTE: sign-ups and sign-ins allowed per minute from one client address, each. */
  authAttemptsPerMinute: number;
  /** METRICS: serve Prometheus metrics on `/metrics` (default on, but in production only with a METRICS_TOKEN). */
  metrics: boolean;
  /** METRICS_TOKEN: when set, `/metrics` wants `Authorization: Bearer <token>`; a secret, never logged. */
  metricsToken: string | null;
  /** `embedded` (the database) or `rabbitmq` (needs `amqpUrl`). */
  queueAdapter: 'embedded' | 'rabbitmq';
  /** `amqp://user:pass@host:5672/vhost`; a secret: never logged. */
  amqpUrl: string | null;
  /** AMQP_QUEUE_TYPE: `classic` (default) or `quorum` (replicated, for a RabbitMQ cluster). */
  amqpQueueType: 'classic' | 'quorum';
  /** Names this replica in job leases and run history. */
  replicaId: string;
  /**
   * SWITCHBOARD_ROLE: `all` serves the API and runs jobs and queue workers; `api` serves the API and publishes but
   * consumes nothing and runs no jobs; `worker` runs jobs and workers (and still answers HTTP, e.g. health).
   */
  role: 'all' | 'api' | 'worker';
  /** A job's lease: how soon another replica takes over the tick of a holder that died. */
  jobLeaseMs: number;
  schedulerPollMs: number;
  /** An embedded-queue message's lease: how soon it is redelivered after its consumer died. */
  queueLeaseMs: number;
  queuePollMs: number;
  /** On shutdown, how long running jobs and messages may take to finish before they are handed back. */
  drainMs: number;
}

/** A configuration problem found at start; `variable` names the env var or file key at fault. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}
