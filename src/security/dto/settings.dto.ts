import { IsIn, IsOptional } from 'class-validator';
import { CsrfOnlyDto } from '../../common/csrf-only.dto.js';

/** Security > Settings. A checkbox is sent as `on` when checked and not at all otherwise. */
export class SettingsFormDto extends CsrfOnlyDto {
  @IsOptional()
  @IsIn(['on'])
  requireTwoStepForAdmins?: string;
}
