import type { UploadRules } from '../upload.js';

/** Room for 100,000 rows of ordinary length (and far more than a spreadsheet export of them needs). */
const MAX_UPLOAD_BYTES = 40 * 1024 * 1024;
const UPLOAD_TOO_LARGE = 'The file is larger than 40 MB. Split it into smaller files (up to 100,000 rows each).';

export const CSV_UPLOAD: UploadRules = {
  field: 'file',
  maxBytes: MAX_UPLOAD_BYTES,
  tooLarge: UPLOAD_TOO_LARGE,
  notMultipart: 'Upload the CSV file with the form on this page (multipart/form-data).',
  missing: 'Choose a CSV file to upload.',
  fields: 5,
};
