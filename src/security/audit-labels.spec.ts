import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../common/paths.js';
import { translate, keyOfEnglish } from '../common/i18n/i18n.js';
import { EVENT_LABELS } from './audit.controller.js';

/** Every `event: '...'` the code records (the request log line aside). */
function recordedEvents(): Set<string> {
  const events = new Set<string>();
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts'))
        for (const m of readFileSync(path, 'utf8').matchAll(/event: '([a-z_]+)'/g)) events.add(m[1]);
    }
  };
  visit(join(PROJECT_ROOT, 'src'));
  events.delete('http_request');
  return events;
}

describe('audit log labels', () => {
  it('every event the code records has a readable name, in every language', () => {
    const events = recordedEvents();
    expect(events.size).toBeGreaterThan(30);
    for (const event of events) {
      const label = EVENT_LABELS[event];
      expect(label, event).toBeDefined();
      const key = keyOfEnglish(label);
      expect(key, label).toBeDefined();
      for (const lang of ['de', 'bg']) expect(translate(lang, key!), `${lang} ${key}`).not.toBe(label);
    }
  });
});
