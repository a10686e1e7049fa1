import { IsOptional, IsString, MaxLength } from 'class-validator';
import { CsrfOnlyDto } from '../../common/csrf-only.dto.js';

/** A code typed to confirm the authenticator app. */
export class CodeFormDto extends CsrfOnlyDto {
  @IsOptional()
  @IsString()
  @MaxLength(100)
  code?: string;
}

/** Turning a second factor off asks for the password again. */
export class PasswordConfirmDto extends CsrfOnlyDto {
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  currentPassword?: string;
}
