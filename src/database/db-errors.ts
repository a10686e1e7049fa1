/**
 * Errors that mean "the database cannot answer right now" (unreachable, restarting, a connection
 * cut, a statement or lock wait over its limit, out of connections), as opposed to a bug or bad data.
 * They are answered with 503 and retried later; they are never a reason to crash or to log a stack.
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** SQLSTATEs: class 08 (connection), class 53 (out of resources), shutdown and restart, timeouts. */
const SQLSTATES = /^(08...|53...|57P01|57P02|57P03|57P05|57014|55P03|25P03)$/;

/** Messages of the pg driver, its pool and knex's pool, which come without a code. */
const MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Query read timeout|is not queryable|Timeout acquiring a connection|Connection ended unexpectedly/i;

export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 3) return false;
  const e = err as { code?: unknown; message?: unknown; name?: unknown; cause?: unknown };
  if (typeof e.code === 'string' && (NETWORK_CODES.has(e.code) || SQLSTATES.test(e.code))) return true;
  if (e.name === 'KnexTimeoutError') return true;
  if (typeof e.message === 'string' && MESSAGES.test(e.message)) return true;
  return isDatabaseUnavailable(e.cause, depth + 1);
}

/** One short line for the log: the code and the first line of the message, never a stack. */
export function describeDatabaseError(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  const message = String(e?.message ?? err)
    .split('\n')[0]
    .slice(0, 200);
  const code = typeof e?.code === 'string' && !message.includes(e.code) ? `${e.code} ` : '';
  return code + message;
}
