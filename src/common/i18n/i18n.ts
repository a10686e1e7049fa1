import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IntlMessageFormat } from 'intl-messageformat';
import { own } from '../own.js';
import { PROJECT_ROOT } from '../paths.js';

/** The languages pages and mails are written in; the first is the fallback for a missing text. */
export const LANGUAGES = ['en', 'de', 'bg'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'en';

/** Each language named in itself, as a language menu shows it. */
export const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', de: 'Deutsch', bg: 'Български' };

/** Beside the templates (views/), so whatever deploys the views deploys their texts. */
const LOCALES_DIR = join(PROJECT_ROOT, 'views', 'locales');

/** A Language menu (user form, My account): the instance's default (empty) and each language in its own name. */
export const LANGUAGE_OPTIONS = [{ value: '', label: 'userForm.instanceDefault' }, ...LANGUAGES.map((value) => ({ value, label: LANGUAGE_NAMES[value] }))];

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** One catalogue per language: `views/locales/<lang>.json`, a flat map from key to ICU message. */
export function loadCatalogue(lang: Language): Record<string, string> {
  return JSON.parse(readFileSync(join(LOCALES_DIR, `${lang}.json`), 'utf8')) as Record<string, string>;
}

const catalogues = new Map<Language, Record<string, string>>();

function catalogue(lang: Language): Record<string, string> {
  let found = catalogues.get(lang);
  if (!found) catalogues.set(lang, (found = loadCatalogue(lang)));
  return found;
}

export type MessageValues = Record<string, string | number | Date>;

/**
 * Each message compiled once per language (a page of 50 users asks for a few hundred texts): the
 * text itself when it has no placeholder, its pieces when its placeholders are all plain `{name}`
 * (joined without the formatter: the common case, on every row of a list), else its formatter.
 * Tags in a message are text (`ignoreTag`), as the views that let a message carry `<strong>`
 * escape the values themselves.
 */
interface Compiled {
  format: IntlMessageFormat;
  /** Literal texts and placeholder names, when the message has nothing but plain placeholders. */
  pieces?: (string | { name: string })[];
}

const compiled = new Map<Language, Map<string, string | Compiled>>(LANGUAGES.map((language) => [language, new Map()]));

function compile(source: string, language: Language): string | Compiled {
  const format = new IntlMessageFormat(source, language, undefined, { ignoreTag: true });
  if (!source.includes('{')) return String(format.format());
  const ast = format.getAst();
  // TYPE.literal is 0 and TYPE.argument 1 in the ICU parser's AST.
  const plain = ast.every((el) => el.type === 0 || el.type === 1);
  return { format, pieces: plain ? ast.map((el) => (el.type === 0 ? el.value : { name: el.value })) : undefined };
}

/** A plain message's text; undefined when a value is missing or not text (the formatter decides). */
function joinPieces(pieces: (string | { name: string })[], values: MessageValues): string | undefined {
  let out = '';
  for (const piece of pieces) {
    if (typeof piece === 'string') out += piece;
    else {
      const value = own(values, piece.name);
      if (typeof value !== 'string' && typeof value !== 'number') return undefined;
      out += String(value);
    }
  }
  return out;
}

/** The text of `key` in `lang` (English when that language lacks it); values fill its ICU placeholders. The key itself when no catalogue has it. */
export function translate(lang: string | undefined, key: string, values: MessageValues = {}): string {
  const language = isLanguage(lang) ? lang : DEFAULT_LANGUAGE;
  const ofLanguage = compiled.get(language)!;
  let message = ofLanguage.get(key);
  if (message === undefined) {
    const source = own(catalogue(language), key) ?? own(catalogue(DEFAULT_LANGUAGE), key);
    if (source === undefined) return key;
    ofLanguage.set(key, (message = compile(source, language)));
  }
  if (typeof message === 'string') return message;
  const joined = message.pieces && joinPieces(message.pieces, values);
  if (joined !== undefined) return joined;
  try {
    return String(message.format.format(values));
  } catch {
    // A value the message needs was not given (a bug the catalogue tests look for): its text, never an error page.
    return own(catalogue(language), key) ?? own(catalogue(DEFAULT_LANGUAGE), key) ?? key;
  }
}

/** Whether the English catalogue has this key (a message given as a key rather than as text). */
export function isMessageKey(key: string): boolean {
  return own(catalogue(DEFAULT_LANGUAGE), key) !== undefined;
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
    for (const [key, value] of Object.entries(catalogue(DEFAULT_LANGUAGE))) if (!value.includes('{') && !byEnglish.has(value)) byEnglish.set(value, key);
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
  const english = catalogue(DEFAULT_LANGUAGE);
  for (const key of keys) {
    const template = own(english, key);
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

/** The IANA time zones the runtime knows (read once: the list has about 400 names). */
export const TIME_ZONE_NAMES: readonly string[] = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];
const TIME_ZONES = new Set(TIME_ZONE_NAMES);

/** Whether the runtime knows this IANA time zone. */
export function isTimeZone(value: unknown): value is string {
  return typeof value === 'string' && TIME_ZONES.has(value);
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
      formatter('iso', zone, () => ({
        locale: 'en-CA',
        options: { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' },
      }))
        .formatToParts(d)
        .map((p) => [p.type, p.value]),
    );
    return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${parts.timeZoneName}`;
  }
  const local = formatter(language, zone, () => ({ locale: LOCALES[language], options: { dateStyle: 'medium', timeStyle: 'short' } }));
  const zoneOnly = formatter(`${language}-zone`, zone, () => ({ locale: LOCALES[language], options: { timeZoneName: 'short' } }));
  return `${local.format(d)} ${zoneOnly.formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? zone}`;
}

/** Date formatters are costly to make: one per form and time zone, kept. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(form: string, timeZone: string, make: () => { locale: string; options: Intl.DateTimeFormatOptions }): Intl.DateTimeFormat {
  const id = `${form}:${timeZone}`;
  let found = formatters.get(id);
  if (!found) {
    const { locale, options } = make();
    formatters.set(id, (found = new Intl.DateTimeFormat(locale, { ...options, timeZone })));
  }
  return found;
}
