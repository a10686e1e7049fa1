import { keyOfEnglish, translate, type MessageValues } from './i18n.js';

/**
 * A text for a person, not yet in a language: a catalogue key and its values. Code that does not
 * know the reader (a service, a validator, an exception) returns one; the page or mail that shows it
 * translates it for its reader (`{{t message}}`). As a string it is the English text (logs, tests).
 */
export class Message {
  constructor(
    readonly key: string,
    readonly values: Record<string, MessageValues[string] | Message> = {},
  ) {}

  in(lang: string | undefined): string {
    return translate(lang, this.key, valuesIn(this.values, lang));
  }

  toString(): string {
    return this.in('en');
  }

  toJSON(): string {
    return this.toString();
  }
}

/** A message's values for a reader: each Message among them in the reader's language; plain values go as they are. */
export function valuesIn(values: Record<string, unknown>, lang: string | undefined): MessageValues {
  if (!Object.values(values).some((v) => v instanceof Message)) return values as MessageValues;
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v instanceof Message ? v.in(lang) : (v as MessageValues[string])]));
}

export function msg(key: string, values: Record<string, MessageValues[string] | Message> = {}): Message {
  return new Message(key, values);
}

/** A fixed English text of the catalogue as a Message (so it can fill another message's placeholder); other text as it is. */
export function fromEnglish(text: string): Text {
  const key = keyOfEnglish(text);
  return key ? msg(key) : text;
}

/** What code hands a page to show: a Message, or a text already in words (a person's own, a name). */
export type Text = string | Message;
