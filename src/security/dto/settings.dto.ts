import { IsIn, IsOptional, IsString } from 'class-validator';

/** Security > Settings. A checkbox is sent as `on` when checked and not at all otherwise. */
export class SettingsFormDto {
  @IsOptional()
  @IsString()
  _csrf?: string;

  @IsOptional()
  @IsIn(['on'])
  requireTwoStepForAdmins?: string;
}
