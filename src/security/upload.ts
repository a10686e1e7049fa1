import { BadRequestException, HttpException, HttpStatus } from '@nestjs/common';
import busboy from 'busboy';
import type { Request } from 'express';

/** What an upload form may send: its one file field and its limits, and what to say when they are not kept. */
export interface UploadRules {
  field: string;
  maxBytes: number;
  tooLarge: string;
  notMultipart: string;
  /** What to say when the form sends no file; undefined: the file may be left out (an empty one is handled). */
  missing?: string;
  /** How many text fields (besides the file) the form has at most. */
  fields: number;
}

/** The file went over its limit (413); its message says the limit. */
export class UploadTooLarge extends HttpException {
  constructor(message: string) {
    super(message, HttpStatus.PAYLOAD_TOO_LARGE);
  }
}

export interface Upload {
  fileName: string;
  /** The file's bytes as they arrive; throws UploadTooLarge (413) when the file goes over the limit. */
  bytes: AsyncIterable<Buffer>;
  /** The form's text fields, first value of each: those sent before the file at once, all of them once withUpload settles. */
  fields: Readonly<Record<string, string>>;
}

/**
 * Reads a multipart/form-data upload with one file field (`rules.field`) as a stream (busboy): nothing
 * is kept in memory or on disk beyond the chunk at hand. `handle` gets the file and must read it to
 * the end; the request's remaining body is drained before the answer so a refused upload still ends
 * cleanly.
 */
export async function withUpload<T>(req: Request, handle: (upload: Upload) => Promise<T>, rules: UploadRules): Promise<T> {
  if (!req.is('multipart/form-data')) throw new HttpException(rules.notMultipart, HttpStatus.UNSUPPORTED_MEDIA_TYPE);
  if (Number(req.headers['content-length'] ?? 0) > rules.maxBytes + 64 * 1024) return drainThen(req, new UploadTooLarge(rules.tooLarge));
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: req.headers, limits: { files: 1, fileSize: rules.maxBytes, fields: rules.fields, parts: rules.fields + 3, fieldSize: 1024 } });
  } catch {
    throw new BadRequestException('The upload is not a valid multipart form.');
  }
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  // Done with the whole form: the fields after the file are in too.
  const parsed = new Promise<void>((resolve) => parser.once('close', resolve).once('error', resolve));
  const result = new Promise<T>((resolve, reject) => {
    let seen = false;
    parser.on('field', (name, value) => {
      if (!(name in fields)) fields[name] = value;
    });
    parser.on('file', (name, file, info) => {
      if (name !== rules.field || seen) return file.resume();
      seen = true;
      const bytes = (async function* () {
        for await (const chunk of file as AsyncIterable<Buffer>) yield chunk;
        if ((file as { truncated?: boolean }).truncated) throw new UploadTooLarge(rules.tooLarge);
      })();
      handle({ fileName: info.filename ?? '', bytes, fields }).then(
        (value) => {
          file.resume();
          void parsed.then(() => resolve(value));
        },
        (err: unknown) => {
          file.resume();
          reject(err);
        },
      );
    });
    parser.on('error', () => reject(new BadRequestException('The upload is not a valid multipart form.')));
    parser.on('close', () => {
      if (seen) return;
      if (rules.missing) return reject(new BadRequestException(rules.missing));
      seen = true;
      handle({ fileName: '', bytes: (async function* () {})(), fields }).then(resolve, reject);
    });
  });
  req.pipe(parser);
  try {
    return await result;
  } catch (err) {
    return drainThen(req, err);
  }
}

/** Lets the rest of the request body arrive (and be dropped), then fails with `err`. */
async function drainThen(req: Request, err: unknown): Promise<never> {
  if (!req.readableEnded) {
    req.unpipe();
    await new Promise<void>((resolve) => {
      req.on('end', resolve).on('error', resolve).on('close', resolve);
      req.resume();
    });
  }
  throw err;
}
