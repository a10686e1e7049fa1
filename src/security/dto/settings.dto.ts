import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { CsrfOnlyDto, trim } from '../../common/csrf-only.dto.js';
import { LANGUAGES, TIME_ZONE_NAMES } from '../../common/i18n/i18n.js';

/**
 * Security > Settings. A checkbox is sent as `on` when checked and not at all otherwise. A text
 * field that is not sent at all (a form of an older page) keeps its saved value; sent empty, it
 * goes back to the default.
 */
export class SettingsFormDto extends CsrfOnlyDto {
  @IsOptional()
  @IsIn(['on'])
  requireTwoStepForAdmins?: string;

  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(80, { message: 'The display name can be at most 80 characters long.' })
  // eslint-disable-next-line no-control-regex
  @Matches(/^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/, { message: 'The display name cannot contain line breaks or other control characters.' })
  displayName?: string;

  @IsOptional()
  @Transform(trim)
  @IsString()
  @Matches(/^(#[0-9a-fA-F]{6})?$/, { message: 'Enter the accent colour as # and six hexadecimal digits, for example #1f5f8b.' })
  accentColour?: string;

  @IsOptional()
  @IsIn(['on'])
  removeLogo?: string;

  @IsOptional()
  @IsIn([...LANGUAGES], { message: 'settings.error.language' })
  defaultLanguage?: string;

  /** An IANA time zone the runtime knows, such as Europe/Sofia. */
  @IsOptional()
  @IsIn([...TIME_ZONE_NAMES], { message: 'settings.error.timeZone' })
  timeZone?: string;
}
