import { LANGUAGE_NAMES, LANGUAGES, TIME_ZONE_NAMES } from '../common/i18n/i18n.js';

/** The language half of the Settings page: Default language (each in its own name) and Time zone. */
export function languageView(values: { defaultLanguage: string; timeZone: string }) {
  return {
    languages: LANGUAGES.map((code) => ({ code, name: LANGUAGE_NAMES[code], selected: code === values.defaultLanguage })),
    timeZones: TIME_ZONE_NAMES.map((zone) => ({ zone, selected: zone === values.timeZone })),
  };
}
