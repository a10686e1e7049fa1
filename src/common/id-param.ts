import { createParamDecorator, NotFoundException, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/** Largest value of PostgreSQL's `integer` (int4), the type of every id column. */
export const MAX_ID = 2_147_483_647;

/** A row id as the URL writes it: plain digits, 1 to 2^31-1. `0`, `-1`, `1e3`, `0x10`, ` 5`, `abc` and 2^31 are not ids. */
export function parseId(raw: unknown): number | undefined {
  if (typeof raw !== 'string' || !/^[1-9][0-9]{0,9}$/.test(raw)) return undefined;
  const id = Number(raw);
  return id <= MAX_ID ? id : undefined;
}

/**
 * The id in a path parameter, read as sent (the global ValidationPipe would first turn `1e3` into
 * 1000): anything that is not an id names no row, so the page does not exist (404) and no query runs.
 */
export const IdParam = createParamDecorator((name: string, ctx: ExecutionContext): number => {
  const id = parseId(ctx.switchToHttp().getRequest<Request>().params[name]);
  if (id === undefined) throw new NotFoundException();
  return id;
});
