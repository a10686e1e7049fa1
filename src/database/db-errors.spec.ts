import { ConnectionException, LockWaitTimeoutException, UniqueConstraintViolationException } from '@mikro-orm/core';
import { describe, expect, it } from 'vitest';
import { describeDatabaseError, isDatabaseUnavailable } from './db-errors.js';

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code, severity: 'ERROR' });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['connection refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['a terminated backend', pgError('57P01', 'terminating connection due to administrator command')],
    ['a server starting up', pgError('57P03', 'the database system is starting up')],
    ['a statement timeout', pgError('57014', 'canceling statement due to statement timeout')],
    ['a lock timeout', pgError('55P03', 'canceling statement due to lock timeout')],
    ['too many connections', pgError('53300', 'sorry, too many clients already')],
    ['a connection cut mid-query', new Error('Connection terminated unexpectedly')],
    ['a pool connect timeout', new Error('timeout exceeded when trying to connect')],
    ['a knex acquire timeout', Object.assign(new Error('Knex: Timeout acquiring a connection. The pool is probably full.'), { name: 'KnexTimeoutError' })],
    ['a wrapped MikroORM exception', new LockWaitTimeoutException(pgError('55P03', 'canceling statement due to lock timeout'))],
    ['a MikroORM connection exception', new ConnectionException(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))],
    ['a cause', new Error('request failed', { cause: pgError('57P02', 'terminating connection because of crash of another server process') })],
  ])('is true for %s', (_what, err) => {
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it.each([
    ['a unique violation', new UniqueConstraintViolationException(pgError('23505', 'duplicate key value violates unique constraint'))],
    ['a syntax error', pgError('42601', 'syntax error at or near "selec"')],
    ['a wrong password', pgError('28P01', 'password authentication failed for user "erp"')],
    ['a missing database', pgError('3D000', 'database "erp" does not exist')],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['nothing', undefined],
  ])('is false for %s', (_what, err) => {
    expect(isDatabaseUnavailable(err)).toBe(false);
  });
});

describe('describeDatabaseError', () => {
  it('gives the code and the first line, never a stack', () => {
    const err = pgError('57P01', 'terminating connection due to administrator command\n - detail: x');
    expect(describeDatabaseError(err)).toBe('57P01 terminating connection due to administrator command');
    expect(describeDatabaseError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe(
      'connect ECONNREFUSED 127.0.0.1:1',
    );
  });
});
