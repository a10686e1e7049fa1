import { isTimeZone, LANGUAGE_NAMES, LANGUAGES, TIME_ZONE_NAMES } from '../common/i18n/i18n.js';
import { msg, type Text } from '../common/i18n/message.js';

/** The language half of the Settings page: Default language (each in its own name) and Time zone. */
export function languageView(values: { defaultLanguage: string; timeZone: string }) {
  return {
    languages: LANGUAGES.map((code) => ({ code, name: LANGUAGE_NAMES[code], selected: code === values.defaultLanguage })),
    timeZones: TIME_ZONE_NAMES.map((zone) => ({ zone, selected: zone === values.timeZone })),
  };
}

/** Why a posted time zone is refused (an IANA name the runtime knows, such as Europe/Sofia), or undefined. */
export function timeZoneProblem(timeZone: unknown): Text | undefined {
  return timeZone === undefined || isTimeZone(timeZone) ? undefined : msg('settings.error.timeZone');
}
