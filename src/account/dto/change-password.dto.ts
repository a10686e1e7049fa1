import { IsOptional, IsString, MaxLength } from 'class-validator';
import { NewPasswordDto } from '../../users/dto/new-password.dto.js';

/** My account > Change password: the current password, and the new one twice. */
export class ChangePasswordDto extends NewPasswordDto {
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  currentPassword?: string;
}
