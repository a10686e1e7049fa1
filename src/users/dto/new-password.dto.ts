import { IsOptional, IsString, MaxLength } from 'class-validator';
import { CsrfOnlyDto } from '../../common/csrf-only.dto.js';

/**
 * A form that sets a password: the new one twice, and its CSRF token (Create Account, Reset password, Change
 * password). Anything but strings (arrays, objects) is refused by validation.
 */
export class NewPasswordDto extends CsrfOnlyDto {
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  password?: string;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  confirmPassword?: string;
}
