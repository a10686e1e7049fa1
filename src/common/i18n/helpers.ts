import Handlebars, { type HelperOptions } from 'handlebars';
import { formatDateTime, isMessageKey, keyOfEnglish, matchStoredText, translate } from './i18n.js';
import { Message, valuesIn } from './message.js';

/** What a page or mail is rendered for: its reader's language and the instance's time zone. */
interface Reader {
  lang?: string;
  timeZone?: string;
}

const { SafeString } = Handlebars;

type Root = Reader & { tenant?: { timeZone?: string } };

/** Whom a render is for (its root model); translate and formatDateTime fall back for what is missing. */
function readerOf(options: HelperOptions): Reader {
  const root = (options.data as { root?: Root } | undefined)?.root;
  return { lang: root?.lang, timeZone: root?.timeZone ?? root?.tenant?.timeZone };
}

/**
 * A text for the reader: `{{t "key" name=value}}`, or `{{t message}}` for a Message (or a key) made
 * in code, or the English text of a catalogue entry (gettext-style). Anything else (a person's own
 * words, a name) is shown as it is. Handlebars escapes the result.
 */
export function textFor(lang: string | undefined, value: unknown, values: Record<string, unknown> = {}): string {
  if (value instanceof Message) return value.in(lang);
  if (typeof value !== 'string') return value === undefined || value === null ? '' : String(value);
  const key = isMessageKey(value) ? value : keyOfEnglish(value);
  if (!key) {
    const stored = matchStoredText(value);
    return stored ? translate(lang, stored.key, { ...stored.values, ...values } as Record<string, string>) : value;
  }
  return translate(lang, key, valuesIn(values, lang));
}

/** A catalogue text holding its own markup (`<strong>`, `<em>`): each value is escaped, the catalogue's tags kept. */
function htmlTextFor(lang: string | undefined, key: string, values: Record<string, unknown> = {}): string {
  const escaped = Object.fromEntries(Object.entries(valuesIn(values, lang)).map(([k, v]) => [k, Handlebars.escapeExpression(String(v ?? ''))]));
  return translate(lang, key, escaped);
}

/** Without the catalogue's markup: for plain-text mails. */
function plainTextFor(lang: string | undefined, key: string, values: Record<string, unknown> = {}): string {
  return textFor(lang, key, values).replace(/<\/?(strong|em)>/g, '');
}

/** Registers `t`, `th` (a text with markup), `tp` (plain, markup dropped) and `date` on a Handlebars instance (pages and mails each have their own). */
export function registerI18nHelpers(hb: { registerHelper(name: string, fn: Handlebars.HelperDelegate): void }): void {
  hb.registerHelper('t', (value: unknown, options: HelperOptions) => textFor(readerOf(options).lang, value, options.hash as Record<string, unknown>));
  hb.registerHelper(
    'th',
    (key: string, options: HelperOptions) => new SafeString(htmlTextFor(readerOf(options).lang, key, options.hash as Record<string, unknown>)),
  );
  hb.registerHelper('tp', (key: string, options: HelperOptions) => plainTextFor(readerOf(options).lang, key, options.hash as Record<string, unknown>));
  hb.registerHelper('date', (value: unknown, options: HelperOptions) => {
    const reader = readerOf(options);
    return formatDateTime(value, reader.lang, reader.timeZone);
  });
}
