import { Transform } from 'class-transformer';
import { trim } from '../../common/csrf-only.dto.js';
import { IsString, MaxLength, MinLength } from 'class-validator';

export class RoleFormDto {
  @Transform(trim)
  @IsString({ message: 'Enter a role name.' })
  @MinLength(1, { message: 'Enter a role name.' })
  @MaxLength(100, { message: 'A role name has at most 100 characters.' })
  name!: string;
}
