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
