import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { isMessageKey } from './i18n/i18n.js';
import { msg, type Text } from './i18n/message.js';

/** Per field, its first problem: a Message (DTO messages are catalogue keys) or a text. */
export type FieldErrors = Record<string, Text>;

/**
 * Validates an HTML form body against a class-validator DTO and returns the first message per
 * field, so the form can be shown again with each message beside its field and the input kept.
 * Only the DTO's own properties are kept (whitelist); extra fields are dropped, not trusted.
 */
export async function validateForm<T extends object>(dto: new () => T, body: unknown): Promise<{ value: T; errors: FieldErrors }> {
  const value = plainToInstance(dto, body ?? {}, { excludeExtraneousValues: false });
  const problems = await validate(value, { whitelist: true, forbidUnknownValues: false, stopAtFirstError: true });
  const errors: FieldErrors = {};
  for (const problem of problems) {
    const first = Object.values(problem.constraints ?? {})[0];
    if (first && !errors[problem.property]) errors[problem.property] = isMessageKey(first) ? msg(first) : first;
  }
  return { value, errors };
}
