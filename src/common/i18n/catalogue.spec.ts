import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { IntlMessageFormat } from 'intl-messageformat';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../paths.js';
import { LANGUAGES, loadCatalogue } from './i18n.js';

/**
 * The catalogues (views/locales/<lang>.json) against each other and against the code: every key in every
 * language, each message valid ICU with the same placeholders as the English one, and no key that
 * nothing uses (nor a key used that no catalogue has).
 */
const catalogues = Object.fromEntries(LANGUAGES.map((lang) => [lang, loadCatalogue(lang)]));
const english = catalogues.en;

function files(dir: string, ending: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return files(path, ending);
    return e.name.endsWith(ending) && !e.name.endsWith('.spec.ts') ? [path] : [];
  });
}

const views = files(join(PROJECT_ROOT, 'views'), '.hbs').map((path) => ({ path, text: readFileSync(path, 'utf8') }));
const sources = files(join(PROJECT_ROOT, 'src'), '.ts').map((path) => ({ path, text: readFileSync(path, 'utf8') }));

/**
 * English texts that code builds at run time from a constant (the password policy's limits), so
 * neither their key nor their text is written out in the source. Each is still shown by key lookup
 * of its English text (gettext-style, see keyOfEnglish).
 */
const BUILT_AT_RUN_TIME = new Set(['validation.passwordShort', 'validation.passwordLong']);

/** Placeholder names of an ICU message (`{name}`, `{count, plural, …}`), ignoring `#`. */
function placeholders(message: string): string[] {
  return [...message.matchAll(/\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*[,}]/g)].map((m) => m[1]).sort();
}

describe('message catalogues', () => {
  it('have the same keys in every language, none empty', () => {
    for (const lang of LANGUAGES) {
      const missing = Object.keys(english).filter((k) => !(k in catalogues[lang]));
      const extra = Object.keys(catalogues[lang]).filter((k) => !(k in english));
      expect(missing, `${lang}: missing`).toEqual([]);
      expect(extra, `${lang}: not in English`).toEqual([]);
      const empty = Object.entries(catalogues[lang]).filter(([, v]) => typeof v !== 'string' || !v.trim());
      expect(empty, `${lang}: empty`).toEqual([]);
    }
  });

  it('hold valid ICU messages with the English placeholders', () => {
    const problems: string[] = [];
    for (const lang of LANGUAGES) {
      for (const [key, message] of Object.entries(catalogues[lang])) {
        try {
          new IntlMessageFormat(message, lang, undefined, { ignoreTag: true });
        } catch (err) {
          problems.push(`${lang} ${key}: ${(err as Error).message}`);
        }
        if (placeholders(message).join() !== placeholders(english[key] ?? '').join()) problems.push(`${lang} ${key}: placeholders differ from English`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('German and Bulgarian are written out, not copied from English (short shared words aside)', () => {
    // Texts that are the same in each language on purpose: "OK", product and format names.
    const SAME = new Set(['common.ok', 'passkeys.title', 'users.status', 'common.name', 'audit.details', 'common.code', 'brand.logo']);
    for (const lang of ['de', 'bg'] as const) {
      const copied = Object.keys(english).filter((k) => !SAME.has(k) && catalogues[lang][k] === english[k] && /[a-z]{3}/.test(english[k]));
      expect(copied, lang).toEqual([]);
    }
  });

  it('Bulgarian is written in Cyrillic', () => {
    const latinOnly = Object.entries(catalogues.bg).filter(([key, v]) => !/[\u0400-\u04FF]/.test(v) && key !== 'common.ok');
    expect(latinOnly.map(([k]) => k)).toEqual([]);
  });

  it('every key is used by a view or the code, and every key used exists', () => {
    const viewText = views.map((v) => v.text).join('\n');
    const sourceText = sources.map((s) => s.text).join('\n');
    const quoted = (text: string) => [`'${text}'`, `"${text}"`, `\`${text}\``];
    const unused = Object.entries(english).filter(
      ([key, text]) =>
        !BUILT_AT_RUN_TIME.has(key) &&
        !viewText.includes(`"${key}"`) &&
        !quoted(key).some((q) => sourceText.includes(q)) &&
        // gettext-style: code hands the page the English text itself
        !quoted(text).some((q) => sourceText.includes(q)),
    );
    expect(
      unused.map(([k]) => k),
      'keys nothing uses',
    ).toEqual([]);

    const usedInViews = views.flatMap((v) =>
      [...v.text.matchAll(/\{\{\{?(?:t|th|tp)\s+"([^"]+)"/g)].map((m) => ({ key: m[1], file: relative(PROJECT_ROOT, v.path) })),
    );
    const usedInCode = sources.flatMap((s) =>
      [...s.text.matchAll(/\bmsg\(\s*'([^']+)'|\btranslate\([^,]+,\s*'([^']+)'|message: '([a-z]+\.[A-Za-z.]+)'/g)].map((m) => ({
        key: m[1] ?? m[2] ?? m[3],
        file: relative(PROJECT_ROOT, s.path),
      })),
    );
    const unknown = [...usedInViews, ...usedInCode].filter((u) => !(u.key in english)).map((u) => `${u.file}: ${u.key}`);
    expect(unknown, 'keys used but in no catalogue').toEqual([]);
  });
});
