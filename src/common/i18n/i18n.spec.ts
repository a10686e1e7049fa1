import { IntlMessageFormat } from 'intl-messageformat';
import { describe, expect, it } from 'vitest';
import { LANGUAGES, loadCatalogue, translate } from './i18n.js';

/** Sample values for a message's placeholders: numbers where the message counts, dates where it formats one, text elsewhere. */
function sampleValues(format: IntlMessageFormat): Record<string, string | number | Date> {
  const values: Record<string, string | number | Date> = {};
  const visit = (elements: ReturnType<IntlMessageFormat['getAst']>) => {
    for (const el of elements) {
      if (el.type === 1) values[el.value] ??= 'Ann & <Bob> {x}';
      else if (el.type === 2 || el.type === 6) values[el.value] = 3;
      else if (el.type === 3 || el.type === 4) values[el.value] = new Date('2026-11-30T12:00:00Z');
      if ('options' in el) for (const option of Object.values(el.options)) visit(option.value);
    }
  };
  visit(format.getAst());
  return values;
}

describe('translate', () => {
  it('gives what the ICU formatter gives, for every message of every language', () => {
    for (const lang of LANGUAGES) {
      for (const [key, source] of Object.entries(loadCatalogue(lang))) {
        const format = new IntlMessageFormat(source, lang, undefined, { ignoreTag: true });
        const values = sampleValues(format);
        expect(translate(lang, key, values), `${lang} ${key}`).toBe(String(format.format(values)));
      }
    }
  });

  it('fills plain placeholders with text and numbers, and falls back to the message when a value is missing', () => {
    expect(translate('en', 'users.select', { login: 'anna' })).toBe('Select anna');
    expect(translate('en', 'users.summary.count', { shown: 50, total: 1200 })).toBe('50 of 1200');
    expect(translate('en', 'users.select')).toBe('Select {login}');
    expect(translate('de', 'no.such.key')).toBe('no.such.key');
  });
});
