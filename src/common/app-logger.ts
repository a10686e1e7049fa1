import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';

// Request ids: a random prefix per process and a counter, unique across replicas without a syscall per request.
const ID_PREFIX = randomBytes(4).toString('hex');
let requestCounter = 0;
import { ConsoleLogger, Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/** Who and what a log line is about; filled in as the request goes through the middleware. */
export interface LogContext {
  requestId: string;
  tenant?: string;
  userId?: number;
}

export const logContext = new AsyncLocalStorage<LogContext>();

/**
 * Nest's JSON console logger, with the request id, tenant and user of the request being served
 * added to every line. Used in production; development keeps the readable coloured output.
 */
export class JsonLogger extends ConsoleLogger {
  constructor() {
    super({ json: true, colors: false, flattenParams: true });
  }

  protected override getJsonLogObject(message: unknown, options: Parameters<ConsoleLogger['getJsonLogObject']>[1]) {
    const line = super.getJsonLogObject(message, options);
    const ctx = logContext.getStore();
    if (ctx) Object.assign(line, { requestId: ctx.requestId, tenant: ctx.tenant, userId: ctx.userId });
    return line;
  }
}

/** Nest's framework chatter at start (every module and route), which hides what a person should read. */
const START_CHATTER = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication']);

/** Development: the readable coloured output, without the framework's start-up chatter. */
export class DevLogger extends ConsoleLogger {
  override log(message: unknown, context?: string): void {
    if (context && START_CHATTER.has(context)) return;
    super.log(message, context);
  }
}

/** The path as logged: the segment after a secret prefix (a link's token) becomes `[redacted]`. */
export function redactPath(path: string, secretPaths: readonly string[]): string {
  const prefix = secretPaths.map((p) => p + '/').find((p) => path.startsWith(p));
  return prefix ? prefix + '[redacted]' + path.slice(prefix.length).replace(/^[^/]+/, '') : path;
}

/**
 * Gives each request an id (echoed as X-Request-Id) and, when asked, logs one line when it ends.
 * `secretPaths` are path prefixes whose next segment is a secret (a link's token): logged as [redacted].
 */
export function requestContext(logRequests: boolean, secretPaths: string[] = []) {
  const logger = new Logger('Http');
  return (req: Request, res: Response, next: NextFunction) => {
    const ctx: LogContext = { requestId: `${ID_PREFIX}-${(++requestCounter).toString(36)}` };
    res.setHeader('X-Request-Id', ctx.requestId);
    if (logRequests) {
      const started = process.hrtime.bigint();
      res.on('finish', () => {
        ctx.tenant ??= req.tenant?.name;
        ctx.userId ??= req.user?.id;
        logContext.run(ctx, () =>
          logger.log('request', {
            event: 'http_request',
            method: req.method,
            path: redactPath(req.path, secretPaths),
            status: res.statusCode,
            durationMs: Number(process.hrtime.bigint() - started) / 1e6,
          }),
        );
      });
    }
    logContext.run(ctx, () => next());
  };
}

/** After tenant and session are known: record them for the log lines of this request. */
export function enrichLogContext(req: Request, _res: Response, next: NextFunction): void {
  const ctx = logContext.getStore();
  if (ctx) {
    ctx.tenant = req.tenant?.name;
    ctx.userId = req.user?.id;
  }
  next();
}
