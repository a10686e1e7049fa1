import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppConfig } from './app-config.js';

const env = (extra: Record<string, string>) => ({ DATA_DIR: mkdtempSync(join(tmpdir(), 'erp-config-')), ...extra });

describe('AppConfig: BASE_URL and PORT', () => {
  it('makes the default BASE_URL follow PORT', () => {
    const config = new AppConfig(env({ PORT: '3100' }));
    expect(config.baseUrl.origin).toBe('http://localhost:3100');
    expect(config.tenantOrigin('demo')).toBe('http://demo.localhost:3100');
    expect(config.baseUrlPort).toBe(3100);
  });

  it('keeps 3000 when neither is set, and an explicit BASE_URL whatever PORT says', () => {
    expect(new AppConfig(env({})).baseUrl.origin).toBe('http://localhost:3000');
    const config = new AppConfig(env({ PORT: '3100', BASE_URL: 'http://localhost:3000' }));
    expect(config.baseUrl.origin).toBe('http://localhost:3000');
    expect(config.baseUrlPort).not.toBe(config.port);
    expect(new AppConfig(env({ BASE_URL: 'https://my.erp.net' })).baseUrlPort).toBe(443);
  });

  it('knows whether DATA_DIR was chosen', () => {
    expect(new AppConfig(env({})).dataDirChosen).toBe(true);
    expect(new AppConfig({ SESSION_SECRET: 'x'.repeat(40) }).dataDirChosen).toBe(false);
  });
});
