/** Configuration from the environment and switchboard.config.yaml: defaults, precedence and clear errors. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../core/src/config/load-config.js';

const dir = mkdtempSync(join(tmpdir(), 'sb-config-'));
writeFileSync(join(dir, 'switchboard.config.yaml'), 'plugins: [./a, pkg-b]\nconfig:\n  notes: { maxNotesPerApp: 5, label: from-file }\n');

describe('loadConfig', () => {
  it('has embedded defaults: port 8080, SQLite under ./data, migrations on start, response validation in development', () => {
    const c = loadConfig({}, '/nowhere');
    expect(c).toMatchObject({
      port: 8080,
      databaseUrl: 'sqlite:/nowhere/data/switchboard.sqlite',
      migrateOnStart: true,
      responseValidation: true,
      plugins: [],
    });
  });

  it('serves /metrics in production only behind a token, or when asked for', () => {
    expect(loadConfig({}, '/x').metrics).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production' }, '/x').metrics).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', METRICS_TOKEN: 'm'.repeat(24) }, '/x')).toMatchObject({
      metrics: true,
      metricsToken: 'm'.repeat(24),
    });
    expect(loadConfig({ NODE_ENV: 'production', METRICS: 'on' }, '/x').metrics).toBe(true);
    expect(loadConfig({ METRICS: 'off' }, '/x').metrics).toBe(false);
  });

  it('turns response validation off in production unless asked', () => {
    expect(loadConfig({ NODE_ENV: 'production' }, '/x').responseValidation).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', RESPONSE_VALIDATION: 'on' }, '/x').responseValidation).toBe(true);
  });

  it('reads plugins and slices from the file, and lets the environment override them', () => {
    const fromFile = loadConfig({}, dir);
    expect(fromFile.plugins).toEqual(['./a', 'pkg-b']);
    expect(fromFile.pluginConfig.notes).toEqual({ maxNotesPerApp: 5, label: 'from-file' });
    expect(fromFile.pluginConfigSources.notes).toBe(join(dir, 'switchboard.config.yaml'));

    const overridden = loadConfig({ SWITCHBOARD_PLUGINS: 'x, y', SWITCHBOARD_PLUGIN_NOTES: '{"maxNotesPerApp": 9}' }, dir);
    expect(overridden.plugins).toEqual(['x', 'y']);
    expect(overridden.pluginConfig.notes).toEqual({ maxNotesPerApp: 9, label: 'from-file' });
    expect(overridden.pluginConfigSources.notes).toContain('SWITCHBOARD_PLUGIN_NOTES');
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT: expected an integer/],
    [{ PORT: '70000' }, /PORT: expected an integer in \[0, 65535\]/],
    [{ DATABASE_URL: 'postgres://u:secret@h/db' }, /DATABASE_URL: expected sqlite:/],
    [{ MIGRATE_ON_START: 'perhaps' }, /MIGRATE_ON_START: expected on\/off/],
    [{ SWITCHBOARD_PLUGIN_NOTES: '[1]' }, /SWITCHBOARD_PLUGIN_NOTES: expected a JSON object/],
    [{ SWITCHBOARD_CONFIG: 'missing.yaml' }, /SWITCHBOARD_CONFIG: no such file/],
    [{ SWITCHBOARD_ADMIN_TOKEN: 'short' }, /SWITCHBOARD_ADMIN_TOKEN: must be at least 24 characters/],
    [{ NODE_ENV: 'production', ACCESS_CONTROL: 'off' }, /ACCESS_CONTROL: cannot be off in production/],
  ])('rejects %j with a message naming the variable', (env, message) => {
    expect(() => loadConfig(env as Record<string, string>, dir)).toThrow(message);
  });

  it('never repeats a database password in its error', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://u:secret@h/db' }, dir)).toThrow(/^(?!.*secret).*$/s);
  });
});
