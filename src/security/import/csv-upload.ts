import { BadRequestException, HttpException, HttpStatus } from '@nestjs/common';
import busboy from 'busboy';
import type { Request } from 'express';

/** Room for 100,000 rows of ordinary length (and far more than a spreadsheet export of them needs). */
export const MAX_UPLOAD_BYTES = 40 * 1024 * 1024;
export const UPLOAD_TOO_LARGE = 'The file is larger than 40 MB. Split it into smaller files (up to 100,000 rows each).';

export interface Upload {
  fileName: string;
  /** The file's bytes as they arrive; throws 413 when the file goes over the limit. */
  bytes: AsyncIterable<Buffer>;
}

/**
 * Reads a multipart/form-data upload with one file field named `file` as a stream (busboy): nothing
 * is kept in memory or on disk beyond the chunk at hand. `handle` gets the file and must read it to
 * the end; the request's remaining body is drained before the answer so a refused upload still ends
 * cleanly.
 */
export async function withUpload<T>(req: Request, handle: (upload: Upload) => Promise<T>): Promise<T> {
  if (!req.is('multipart/form-data')) {
    throw new HttpException('Upload the CSV file with the form on this page (multipart/form-data).', HttpStatus.UNSUPPORTED_MEDIA_TYPE);
  }
  if (Number(req.headers['content-length'] ?? 0) > MAX_UPLOAD_BYTES + 64 * 1024) return drainThen(req, new HttpException(UPLOAD_TOO_LARGE, 413));
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: req.headers, limits: { files: 1, fileSize: MAX_UPLOAD_BYTES, fields: 5, parts: 8, fieldSize: 1024 } });
  } catch {
    throw new BadRequestException('The upload is not a valid multipart form.');
  }
  const result = new Promise<T>((resolve, reject) => {
    let seen = false;
    parser.on('file', (name, file, info) => {
      if (name !== 'file' || seen) return file.resume();
      seen = true;
      const bytes = (async function* () {
        for await (const chunk of file as AsyncIterable<Buffer>) yield chunk;
        if ((file as { truncated?: boolean }).truncated) throw new HttpException(UPLOAD_TOO_LARGE, 413);
      })();
      handle({ fileName: info.filename ?? '', bytes }).then(resolve, (err: unknown) => {
        file.resume();
        reject(err);
      });
    });
    parser.on('error', () => reject(new BadRequestException('The upload is not a valid multipart form.')));
    parser.on('close', () => {
      if (!seen) reject(new BadRequestException('Choose a CSV file to upload.'));
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
