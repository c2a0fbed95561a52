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
  /** The file the config came from, if any (for error messages). */
  configFile: string | null;
  logLevel: string;
  /** Log one line per request. */
  accessLog: boolean;
  responseValidation: boolean;
  bodyLimitBytes: number;
  httpTimeoutMs: number;
  /** The URL the platform is reached at, for the banner and the merged document's `servers`. */
  publicUrl: string | null;
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
