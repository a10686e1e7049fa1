import { registerStoredTexts } from '../../common/i18n/i18n.js';

/**
 * An import's reasons (why a row or the file cannot be imported) are stored in English with the job;
 * these catalogue entries let a page show each in its reader's language, values and all.
 */
export const IMPORT_STORED_TEXTS = [
  'import.row.fieldCount',
  'import.row.badEmail',
  'import.row.unknownType',
  'import.row.unknownRole',
  'import.row.unknownLanguage',
  'import.row.loginExists',
  'import.row.duplicate',
  'import.err.header',
  'import.err.tooManyRows',
  'import.err.notCsv',
  'import.err.refused',
] as const;

registerStoredTexts(IMPORT_STORED_TEXTS);
