import { IsOptional, IsString, MaxLength } from 'class-validator';

/** A code typed to confirm the authenticator app. */
export class CodeFormDto {
  @IsOptional()
  @IsString()
  _csrf?: string;

  @IsOptional()
  @IsString()
  @MaxLength(100)
  code?: string;
}

/** Turning a second factor off asks for the password again. */
export class PasswordConfirmDto {
  @IsOptional()
  @IsString()
  _csrf?: string;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  currentPassword?: string;
}

/** A form that carries nothing but its CSRF token (Remove a passkey). */
export class CsrfFormDto {
  @IsOptional()
  @IsString()
  _csrf?: string;
}
