import { describe, expect, it } from 'vitest';
import { readImportCsv } from './csv-reader.js';
import { ImportFileError, type ImportRow } from './import-rows.js';

const ROLES = new Map([
  ['worker', 'Worker'],
  ['manager', 'Manager'],
]);

async function read(text: string | Buffer, chunk = 7): Promise<ImportRow[]> {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  async function* source() {
    for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk);
  }
  const rows: ImportRow[] = [];
  for await (const batch of readImportCsv(source(), ROLES)) rows.push(...batch);
  return rows;
}

describe('readImportCsv', () => {
  it('reads a BOM, CRLF, semicolons, quoted fields with the delimiter, and a missing language column', async () => {
    const rows = await read(
      '\uFEFFlogin;name;email;user_type;roles;language\r\nann;"Ann; Lee";ann@example.com;Internal;"worker;Manager";de\r\n\r\nbo;"Bo ""B"" Ng";;external;;\r\n',
    );
    expect(rows).toEqual([
      { line: 2, login: 'ann', name: 'Ann; Lee', email: 'ann@example.com', userType: 'Internal', roles: ['Worker', 'Manager'], language: 'de', error: null },
      { line: 4, login: 'bo', name: 'Bo "B" Ng', email: '', userType: 'External', roles: [], language: '', error: null },
    ]);
    const five = await read('login,name,email,user_type,roles\nzed,Zed,z@example.com,Internal,Worker\n');
    expect(five[0]).toMatchObject({ login: 'zed', roles: ['Worker'], error: null });
  });

  it('names the reason of each bad row, with its line', async () => {
    const rows = await read(
      [
        'login,name,email,user_type,roles,language',
        'ok1,Ok,ok@example.com,Internal,Worker,en',
        'bad login,Bad,b@example.com,Internal,,',
        'ok2,Ok,not-an-email,Internal,,',
        'ok3,Ok,ok3@example.com,Boss,,',
        'ok4,Ok,ok4@example.com,Internal,Pilot,',
        'ok5,Ok,ok5@example.com,Internal,,fr',
        'OK1,Again,again@example.com,Internal,,',
      ].join('\n'),
    );
    expect(rows.map((r) => [r.line, r.error])).toEqual([
      [2, null],
      [3, 'Bad login: a login may hold letters, digits and . _ - @ only.'],
      [4, 'Bad email address "not-an-email".'],
      [5, 'Unknown user type "Boss".'],
      [6, 'Unknown role "Pilot".'],
      [7, 'Unknown language "fr": use en, de, bg or leave it empty.'],
      [8, 'Duplicate login "OK1": also on line 2.'],
    ]);
  });

  it('refuses a wrong header, a file that is not UTF-8 text, NUL bytes, broken quoting and an empty file', async () => {
    await expect(read('user,name\nann,Ann\n')).rejects.toThrow(/first line must be the header/);
    await expect(read(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0xff, 0xfe, 0x00, 0x81]))).rejects.toThrow(/not UTF-8/);
    await expect(read('login,name,email,user_type,roles\nann,A\u0000nn,,Internal,\n')).rejects.toThrow(/NUL/);
    await expect(read('login,name,email,user_type,roles\nann,"Ann,,Internal,\n')).rejects.toBeInstanceOf(ImportFileError);
    await expect(read('')).rejects.toThrow(/empty/);
    await expect(read('login,name,email,user_type,roles,language\n')).rejects.toThrow(/no rows/);
  });
});
