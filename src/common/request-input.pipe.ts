import { BadRequestException, Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { registerStoredTexts } from './i18n/i18n.js';

// The field-name refusal carries the name: the error page shows it in its reader's language by this template.
registerStoredTexts(['errors.fieldName']);

export const NUL_MESSAGE = 'The request holds a NUL character (%00), which no field may contain. Remove it and try again.';

/** Field names a form never has; as keys they would replace what every object inherits. */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * One rule for everything a handler reads from the request (body, query, path parameters), before
 * any validation or query: no NUL character anywhere (PostgreSQL refuses it in text and JSON) and no
 * prototype keys as field names. Either is a 400 with a message saying what to fix; nothing runs.
 */
@Injectable()
export class RequestInputPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'body' && metadata.type !== 'query' && metadata.type !== 'param') return value;
    const problem = problemOf(value, 0);
    if (problem) throw new BadRequestException(problem);
    return value;
  }
}

function problemOf(value: unknown, depth: number): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? NUL_MESSAGE : undefined;
  if (value === null || typeof value !== 'object' || depth > 8) return undefined;
  for (const [key, item] of Object.entries(value)) {
    if (key.includes('\u0000')) return NUL_MESSAGE;
    if (!Array.isArray(value) && PROTOTYPE_KEYS.has(key)) return `A field named "${key}" is not accepted.`;
    const problem = problemOf(item, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}
