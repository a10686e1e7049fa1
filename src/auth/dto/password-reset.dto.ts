import { IsOptional, IsString, MaxLength } from 'class-validator';

/** Forgot password: one field, `login` (a login or an email address). */
export class ForgotPasswordDto {
  @IsOptional()
  @IsString()
  _csrf?: string;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  login?: string;
}

/** The Reset password form behind the mailed link. */
export class ResetPasswordDto {
  @IsOptional()
  @IsString()
  _csrf?: string;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  password?: string;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  confirmPassword?: string;
}
