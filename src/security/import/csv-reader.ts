import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse, type CsvError } from 'csv-parse';
import { checkHeader, delimiterOf, ImportFileError, MAX_IMPORT_ROWS, readRow, type ImportRow } from './import-rows.js';

const BATCH = 1000;

/**
 * Text of an upload, decoded as it streams: UTF-8 only (a BOM is dropped), no NUL character. A file
 * that is not UTF-8 text (a spreadsheet, an image) stops at its first bad byte.
 */
async function* utf8(source: AsyncIterable<Buffer>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const decode = (chunk?: Buffer) => {
    try {
      return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
    } catch {
      throw new ImportFileError('The file is not UTF-8 text. Save it as "CSV UTF-8" and upload it again.');
    }
  };
  for await (const chunk of source) {
    const text = decode(chunk);
    if (text.includes('\u0000')) throw new ImportFileError('The file holds NUL characters, so it is not a CSV text file.');
    if (text) yield text;
  }
  const rest = decode();
  if (rest) yield rest;
}

/** The stream again, with the delimiter its first line uses. */
async function withDelimiter(source: AsyncGenerator<string>): Promise<{ delimiter: ',' | ';'; text: AsyncGenerator<string> }> {
  let head = '';
  let next = await source.next();
  while (!next.done && !head.includes('\n') && head.length < 4096) {
    head += next.value;
    if (!head.includes('\n') && head.length < 4096) next = await source.next();
    else break;
  }
  if (next.done && !head) throw new ImportFileError('The file is empty. It needs the header line and at least one row.');
  async function* text() {
    yield head;
    if (!next.done) yield* source;
  }
  return { delimiter: delimiterOf(head.split('\n')[0]), text: text() };
}

/**
 * Reads an uploaded CSV as it arrives and yields its data rows checked (see `readRow`), a batch at a
 * time, so memory stays bounded whatever the size. A login seen earlier in the file is a duplicate.
 * Problems with the file as a whole throw ImportFileError.
 */
export async function* readImportCsv(source: AsyncIterable<Buffer>, roleNames: Map<string, string>): AsyncGenerator<ImportRow[]> {
  const { delimiter, text } = await withDelimiter(utf8(source));
  const parser = parse({ delimiter, info: true, relax_column_count: true, skip_empty_lines: true, max_record_size: 16_384 });
  // A failure while decoding ends the parser with that error, and the loop below rethrows it.
  pipeline(Readable.from(text), parser).catch(() => undefined);
  const firstLine = new Map<string, number>();
  let header = true;
  let count = 0;
  let batch: ImportRow[] = [];
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (header) {
        checkHeader(record);
        header = false;
        continue;
      }
      if (record.every((f) => f.trim() === '')) continue;
      if (++count > MAX_IMPORT_ROWS)
        throw new ImportFileError(`The file has more than ${MAX_IMPORT_ROWS.toLocaleString('en')} rows. Split it into smaller files.`);
      const row = readRow(info.lines, record, roleNames);
      const key = row.login.toLowerCase();
      const seen = firstLine.get(key);
      if (!row.error && seen !== undefined) row.error = `Duplicate login "${row.login}": also on line ${seen}.`;
      if (seen === undefined && row.login) firstLine.set(key, row.line);
      batch.push(row);
      if (batch.length === BATCH) {
        yield batch;
        batch = [];
      }
    }
  } catch (err) {
    if ((err as CsvError).code?.startsWith('CSV_')) throw new ImportFileError(`The file is not valid CSV: ${(err as Error).message}`);
    throw err;
  }
  if (header) throw new ImportFileError('The file is empty. It needs the header line and at least one row.');
  if (batch.length) yield batch;
  if (count === 0) throw new ImportFileError('The file has a header but no rows.');
}
