import { IsOptional, IsString } from 'class-validator';

/** A form that carries nothing but its CSRF token; every other form DTO extends it. */
export class CsrfOnlyDto {
  @IsOptional()
  @IsString()
  _csrf?: string;
}
