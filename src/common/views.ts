import { join } from 'node:path';
import hbs from 'hbs';
import { registerI18nHelpers } from './i18n/helpers.js';
import { PROJECT_ROOT } from './paths.js';

export const VIEWS_DIR = join(PROJECT_ROOT, 'views');

let ready: Promise<void> | undefined;

/** Registers helpers and partials once; partials load asynchronously, so callers await this before the first render. */
export function setUpViews(): Promise<void> {
  ready ??= new Promise<void>((resolve) => {
    hbs.registerHelper('eq', (a: unknown, b: unknown) => String(a) === String(b));
    hbs.registerHelper('includes', (list: unknown, item: unknown) => Array.isArray(list) && list.map(String).includes(String(item)));
    registerI18nHelpers(hbs);
    hbs.registerPartials(join(VIEWS_DIR, 'partials'), () => resolve());
  });
  return ready;
}
