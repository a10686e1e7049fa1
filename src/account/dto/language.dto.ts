import { IsIn, IsString } from 'class-validator';
import { CsrfOnlyDto } from '../../common/csrf-only.dto.js';
import { LANGUAGES } from '../../common/i18n/i18n.js';

/** My account > Language: `en`, `de`, `bg`, or empty for the instance's default. */
export class LanguageDto extends CsrfOnlyDto {
  @IsIn(['', ...LANGUAGES], { message: 'account.languageRefused' })
  @IsString({ message: 'account.languageRefused' })
  language!: string;
}
