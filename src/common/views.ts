import { join } from 'node:path';
import hbs from 'hbs';
import { PROJECT_ROOT } from './paths.js';

export const VIEWS_DIR = join(PROJECT_ROOT, 'views');

let ready: Promise<void> | undefined;

/** Registers helpers and partials once; partials load asynchronously, so callers await this before the first render. */
export function setUpViews(): Promise<void> {
  ready ??= new Promise<void>((resolve) => {
    hbs.registerHelper('eq', (a: unknown, b: unknown) => String(a) === String(b));
    hbs.registerHelper('includes', (list: unknown, item: unknown) => Array.isArray(list) && list.map(String).includes(String(item)));
    hbs.registerHelper('date', (value: unknown) => formatDate(value));
    hbs.registerPartials(join(VIEWS_DIR, 'partials'), () => resolve());
  });
  return ready;
}

/** `2026-11-24 14:05 UTC`: one unambiguous format for every time shown to a person. */
export function formatDate(value: unknown): string {
  if (!value) return '';
  const d = value instanceof Date ? value : new Date(String(value));
  if (Number.isNaN(d.getTime())) return '';
  return d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}
