import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { registerI18nHelpers } from '../common/i18n/helpers.js';
import { DEFAULT_LANGUAGE } from '../common/i18n/i18n.js';
import { VIEWS_DIR } from '../common/views.js';

/** A file sent with the mail; with a `cid`, an inline image the HTML shows as `cid:<cid>`. */
export interface MailAttachment {
  filename: string;
  content: Buffer;
  contentType: string;
  cid?: string;
}

export interface MailContent {
  subject: string;
  html: string;
  text: string;
  attachments?: MailAttachment[];
}

/**
 * Whose mail it is, as the sending feature passes it in: the name (heading and the logo's alt text,
 * so the mail reads well with images off), a logo sent inline, and the button colour.
 */
export interface MailBrand {
  name: string;
  logo?: { content: Buffer; contentType: 'image/png' | 'image/jpeg' };
  /** A `#rrggbb` that keeps AA contrast with white text; the default blue otherwise. */
  buttonColour?: string;
}

const DEFAULT_BUTTON = '#1f6fb2';
const LOGO_CID = 'logo@brand';

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
export function mailTemplate<M extends Record<string, string>>(
  name: string,
): (subject: (plain: M) => string, model: M, brand?: MailBrand, lang?: string) => MailContent {
  const body = hb.compile(load(`${name}.hbs`), { strict: true });
  const text = hb.compile(load(`${name}.txt.hbs`), { strict: true, noEscape: true });
  return (subject, model, brand, lang = DEFAULT_LANGUAGE) => {
    const plain = Object.fromEntries(Object.entries(model).map(([k, v]) => [k, oneLine(v)])) as M;
    const title = subject(plain);
    const logo = brand?.logo;
    const html = layout({
      subject: title,
      lang,
      body: body({ ...model, lang, buttonColour: brand?.buttonColour ?? DEFAULT_BUTTON }),
      logoCid: logo ? LOGO_CID : '',
      brandName: brand ? oneLine(brand.name) : '',
    });
    const attachments = logo
      ? [{ filename: logo.contentType === 'image/png' ? 'logo.png' : 'logo.jpg', content: logo.content, contentType: logo.contentType, cid: LOGO_CID }]
      : undefined;
    return { subject: title, html, text: text({ ...plain, lang }), ...(attachments && { attachments }) };
  };
}
