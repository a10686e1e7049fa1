import { IsOptional, IsString } from 'class-validator';

/** A form that carries nothing but its CSRF token; every other form DTO extends it. */
export class CsrfOnlyDto {
  @IsOptional()
  @IsString()
  _csrf?: string;
}

/** `@Transform(trim)`: a text field without the spaces around it (other values pass as they are, for the validators to refuse). */
export function trim({ value }: { value: unknown }): unknown {
  return typeof value === 'string' ? value.trim() : value;
}
