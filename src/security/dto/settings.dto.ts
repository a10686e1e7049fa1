import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { CsrfOnlyDto } from '../../common/csrf-only.dto.js';
import { LANGUAGES } from '../../common/i18n/i18n.js';

/** Security > Settings. A checkbox is sent as `on` when checked and not at all otherwise. */
export class SettingsFormDto extends CsrfOnlyDto {
  @IsOptional()
  @IsIn(['on'])
  requireTwoStepForAdmins?: string;

  @IsOptional()
  @IsIn([...LANGUAGES], { message: 'settings.error.language' })
  defaultLanguage?: string;

  /** Checked against the runtime's IANA time zones by the controller. Left out (an older form): unchanged. */
  @IsOptional()
  @MaxLength(64, { message: 'settings.error.timeZone' })
  @IsString({ message: 'settings.error.timeZone' })
  timeZone?: string;
}
