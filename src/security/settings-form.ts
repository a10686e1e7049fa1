import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { MAX_LOGO_BYTES, sniffLogo } from '../tenancy/brand.js';
import type { LogoUpload } from '../tenancy/tenant-settings.repository.js';
import { UploadTooLarge, withUpload, type Upload, type UploadRules } from './upload.js';

export const LOGO_TOO_LARGE = 'The logo is larger than 256 KB. Choose a smaller PNG or JPEG image.';
export const LOGO_NOT_AN_IMAGE = 'The logo must be a PNG or JPEG image; this file is neither (SVG, GIF and other files are not accepted).';
export const LOGO_EMPTY = 'The file is empty. Choose a PNG or JPEG image.';

const LOGO_UPLOAD: UploadRules = {
  field: 'logo',
  maxBytes: MAX_LOGO_BYTES,
  tooLarge: LOGO_TOO_LARGE,
  notMultipart: 'Send the settings with the form on this page.',
  fields: 8,
};

/** The logo field: nothing chosen, a checked image, or why the file is refused. */
export type LogoInput = { kind: 'none' } | { kind: 'file'; logo: LogoUpload } | { kind: 'refused'; message: string };

/**
 * The Security > Settings form: multipart when the page sends it (the logo; its CSRF token in the
 * query string), urlencoded from older pages and scripts (no logo). The logo is read as it streams,
 * at most 256 KB of it, and recognised by its first bytes only. `lost` says the request was refused
 * before its fields could be read (a body far over the limit).
 */
export async function readSettingsForm(req: Request): Promise<{ body: Record<string, unknown>; logo: LogoInput; lost?: boolean }> {
  if (!req.is('multipart/form-data')) return { body: (req.body ?? {}) as Record<string, unknown>, logo: { kind: 'none' } };
  try {
    let fields: Readonly<Record<string, string>> = {};
    const logo = await withUpload(
      req,
      (upload) => {
        fields = upload.fields;
        return readLogo(upload);
      },
      LOGO_UPLOAD,
    );
    return { body: { ...fields }, logo };
  } catch (err) {
    if (err instanceof UploadTooLarge) return { body: {}, logo: { kind: 'refused', message: err.message }, lost: true };
    throw err;
  }
}

async function readLogo(upload: Upload): Promise<LogoInput> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of upload.bytes) {
      chunks.push(chunk);
      size += chunk.length;
    }
  } catch (err) {
    if (err instanceof UploadTooLarge) return { kind: 'refused', message: err.message };
    throw err;
  }
  // A file input left empty sends a part without a name and without bytes.
  if (size === 0) return upload.fileName ? { kind: 'refused', message: LOGO_EMPTY } : { kind: 'none' };
  const bytes = Buffer.concat(chunks, size);
  const type = sniffLogo(bytes);
  if (!type) return { kind: 'refused', message: LOGO_NOT_AN_IMAGE };
  return { kind: 'file', logo: { bytes, type, hash: createHash('sha256').update(bytes).digest('hex') } };
}
