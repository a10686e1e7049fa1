import { IsOptional, IsString, MaxLength } from 'class-validator';

/** My account > Change password. Anything but strings (arrays, objects) is refused by validation. */
export class ChangePasswordDto {
  @IsOptional()
  @IsString()
  _csrf?: string;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  currentPassword?: string;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  password?: string;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  confirmPassword?: string;
}
