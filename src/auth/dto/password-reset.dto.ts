import { IsOptional, IsString, MaxLength } from 'class-validator';
import { CsrfOnlyDto } from '../../common/csrf-only.dto.js';

/** Forgot password: one field, `login` (a login or an email address). */
export class ForgotPasswordDto extends CsrfOnlyDto {
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  login?: string;
}
