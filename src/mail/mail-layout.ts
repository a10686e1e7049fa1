import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { registerI18nHelpers } from '../common/i18n/helpers.js';
import { DEFAULT_LANGUAGE } from '../common/i18n/i18n.js';
import { VIEWS_DIR } from '../common/views.js';

export interface MailContent {
  subject: string;
  html: string;
  text: string;
}

// One Handlebars instance for mail. The HTML part escapes every value; the text part must not turn
// `&` into `&amp;`, so it is compiled without escaping and each value is made a single plain line first.
const hb = Handlebars.create();
// `{{t}}`, `{{th}}`, `{{tp}}` and `{{date}}` in the reader's language (the model's `lang`).
registerI18nHelpers(hb);
const load = (file: string) => readFileSync(join(VIEWS_DIR, 'mail', file), 'utf8');
const layout = hb.compile(load('layout.hbs'), { strict: true });

/** One line of plain text: no line breaks or other control characters, so a value cannot add lines to the mail. */
export function oneLine(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
}

/**
 * A feature's message: `views/mail/<name>.hbs` (the HTML body, put in the shared layout) and
 * `<name>.txt.hbs` (the plain-text part), compiled once. The feature owns the templates and the model.
 * `lang` is the recipient's language: the templates' texts, the subject the feature gives and `<html lang>`.
 */
export function mailTemplate<M extends Record<string, string>>(name: string): (subject: (plain: M) => string, model: M, lang?: string) => MailContent {
  const body = hb.compile(load(`${name}.hbs`), { strict: true });
  const text = hb.compile(load(`${name}.txt.hbs`), { strict: true, noEscape: true });
  return (subject, model, lang = DEFAULT_LANGUAGE) => {
    const plain = Object.fromEntries(Object.entries(model).map(([k, v]) => [k, oneLine(v)])) as M;
    const title = subject(plain);
    return { subject: title, html: layout({ subject: title, lang, body: body({ ...model, lang }) }), text: text({ ...plain, lang }) };
  };
}
