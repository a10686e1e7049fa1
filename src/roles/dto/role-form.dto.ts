import { Transform } from 'class-transformer';
import { IsString, MaxLength, MinLength } from 'class-validator';

export class RoleFormDto {
  @Transform(({ value }) => (typeof value === 'string' ? value.trim() : value))
  @IsString({ message: 'Enter a role name.' })
  @MinLength(1, { message: 'Enter a role name.' })
  @MaxLength(100, { message: 'A role name has at most 100 characters.' })
  name!: string;
}
