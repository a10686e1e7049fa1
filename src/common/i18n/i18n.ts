import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import i18next, { type i18n } from 'i18next';
import ICU from 'i18next-icu';
import { PROJECT_ROOT } from '../paths.js';

/** The languages pages and mails are written in; the first is the fallback for a missing text. */
export const LANGUAGES = ['en', 'de', 'bg'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'en';

/** Each language named in itself, as a language menu shows it. */
export const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', de: 'Deutsch', bg: 'Български' };

/** Beside the templates (views/), so whatever deploys the views deploys their texts. */
export const LOCALES_DIR = join(PROJECT_ROOT, 'views', 'locales');

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** One catalogue per language: `views/locales/<lang>.json`, a flat map from key to ICU message. */
export function loadCatalogue(lang: Language): Record<string, string> {
  return JSON.parse(readFileSync(join(LOCALES_DIR, `${lang}.json`), 'utf8')) as Record<string, string>;
}

let instance: i18n | undefined;

function engine(): i18n {
  if (instance) return instance;
  const created = i18next.createInstance();
  created.use(ICU);
  void created.init({
    initAsync: false,
    lng: DEFAULT_LANGUAGE,
    fallbackLng: DEFAULT_LANGUAGE,
    supportedLngs: [...LANGUAGES],
    keySeparator: false,
    nsSeparator: false,
    returnNull: false,
    resources: Object.fromEntries(LANGUAGES.map((l) => [l, { translation: loadCatalogue(l) }])),
  });
  instance = created;
  return created;
}

export type MessageValues = Record<string, string | number | Date>;

/** The text of `key` in `lang` (English when that language lacks it); values fill its ICU placeholders. */
export function translate(lang: string | undefined, key: string, values: MessageValues = {}): string {
  return engine().t(key, { ...values, lng: isLanguage(lang) ? lang : DEFAULT_LANGUAGE });
}

/** Whether the English catalogue has this key (a message given as a key rather than as text). */
export function isMessageKey(key: string): boolean {
  return engine().exists(key, { lng: DEFAULT_LANGUAGE });
}

let byEnglish: Map<string, string> | undefined;

/**
 * The key of a fixed English text, gettext-style: code may hand a page the English text of a
 * catalogue entry (a constant message, a validator's message) and the page shows it in its reader's
 * language. Texts with placeholders are not found this way; code passes those as a Message.
 */
export function keyOfEnglish(text: string): string | undefined {
  if (!byEnglish) {
    byEnglish = new Map();
    for (const [key, value] of Object.entries(loadCatalogue(DEFAULT_LANGUAGE))) if (!value.includes('{') && !byEnglish.has(value)) byEnglish.set(value, key);
  }
  return byEnglish.get(text);
}

const storedPatterns: { key: string; names: string[]; pattern: RegExp }[] = [];

/**
 * Messages that are kept as English text (a row's reason in an import, stored in the database) and
 * shown later to whoever reads them: registered by key, each English template becomes a pattern,
 * so the stored text is shown in the reader's language with its values (`Unknown role "x".`).
 */
export function registerStoredTexts(keys: readonly string[]): void {
  const catalogue = loadCatalogue(DEFAULT_LANGUAGE);
  for (const key of keys) {
    const template = catalogue[key];
    if (template === undefined || storedPatterns.some((p) => p.key === key)) continue;
    const names: string[] = [];
    const source = template
      .split(/(\{[A-Za-z_]\w*\})/)
      .map((part) => {
        const name = /^\{(\w+)\}$/.exec(part)?.[1];
        if (!name) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(name);
        return '(.*?)';
      })
      .join('');
    storedPatterns.push({ key, names, pattern: new RegExp(`^${source}$`, 's') });
  }
}

/** A stored English text of a registered template, as its key and values. */
export function matchStoredText(text: string): { key: string; values: Record<string, string> } | undefined {
  for (const { key, names, pattern } of storedPatterns) {
    const m = pattern.exec(text);
    if (m) return { key, values: Object.fromEntries(names.map((n, i) => [n, m[i + 1]])) };
  }
  return undefined;
}

/**
 * The language an `Accept-Language` header asks for among ours: by q-value, a region falls back to
 * its language (`de-AT` is `de`), `*` and unknown languages are skipped. Undefined: none of ours.
 */
export function fromAcceptLanguage(header: string | undefined): Language | undefined {
  if (!header) return undefined;
  const wanted = header
    .slice(0, 1000)
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/i.exec(p)).find(Boolean);
      const weight = q ? Number(q[1]) : 1;
      return { lang: tag.trim().toLowerCase().split('-')[0] ?? '', weight: Number.isFinite(weight) ? weight : 0, index };
    })
    .filter((w) => w.weight > 0 && isLanguage(w.lang))
    .sort((a, b) => b.weight - a.weight || a.index - b.index);
  return wanted[0]?.lang as Language | undefined;
}

/** Each language's locale for dates. */
const LOCALES: Record<Language, string> = { en: 'en-GB', de: 'de-DE', bg: 'bg-BG' };

/** Whether the runtime knows this IANA time zone. */
export function isTimeZone(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 64 && Intl.supportedValuesOf('timeZone').concat('UTC').includes(value);
}

/**
 * A date and time for a reader: in their language's form and the instance's time zone, with the
 * zone's name. English keeps one unambiguous form (`2026-11-24 14:05 UTC`); German and Bulgarian
 * use their own (`24.11.2026, 14:05 UTC`).
 */
export function formatDateTime(value: unknown, lang: string | undefined = DEFAULT_LANGUAGE, timeZone = 'UTC'): string {
  if (!value) return '';
  const d = value instanceof Date ? value : new Date(String(value));
  if (Number.isNaN(d.getTime())) return '';
  const zone = isTimeZone(timeZone) ? timeZone : 'UTC';
  const language = isLanguage(lang) ? lang : DEFAULT_LANGUAGE;
  if (language === 'en') {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-CA', {
        timeZone: zone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
        timeZoneName: 'short',
      })
        .formatToParts(d)
        .map((p) => [p.type, p.value]),
    );
    return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${parts.timeZoneName}`;
  }
  return new Intl.DateTimeFormat(LOCALES[language], { timeZone: zone, dateStyle: 'medium', timeStyle: 'short' }).format(d) + ' ' + zoneName(d, zone, language);
}

function zoneName(d: Date, zone: string, lang: Language): string {
  return (
    new Intl.DateTimeFormat(LOCALES[lang], { timeZone: zone, timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? zone
  );
}
