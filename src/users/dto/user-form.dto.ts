import { Transform } from 'class-transformer';
import { trim } from '../../common/csrf-only.dto.js';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  Validate,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { LANGUAGES } from '../../common/i18n/i18n.js';
import { USER_TYPES, type UserType } from '../user-type.js';
import { isValidEmail, LOGIN_PATTERN } from '../user-rules.js';

@ValidatorConstraint({ name: 'email' })
class EmailRule implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return value === '' || value === undefined || (typeof value === 'string' && isValidEmail(value));
  }
  defaultMessage(): string {
    return 'Enter a valid email address, like name@example.com.';
  }
}

const list = ({ value }: { value: unknown }) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** The user form (new and existing). Roles arrive as one `roles` value per line of the Roles panel. */
export class UserFormDto {
  // class-validator runs these bottom-up; with stopAtFirstError the lowest failing one speaks.
  @Transform(trim)
  @Matches(LOGIN_PATTERN, { message: 'A login may hold letters, digits and . _ - @ only.' })
  @MaxLength(64, { message: 'A login has at most 64 characters.' })
  @MinLength(1, { message: 'Enter a login.' })
  @IsString({ message: 'Enter a login.' })
  login!: string;

  @Transform(trim)
  @MaxLength(200, { message: 'A name has at most 200 characters.' })
  @MinLength(1, { message: 'Enter a name.' })
  @IsString({ message: 'Enter a name.' })
  name!: string;

  @Transform(trim)
  @IsOptional()
  @Validate(EmailRule)
  @IsString({ message: 'Enter a valid email address, like name@example.com.' })
  email?: string;

  @IsIn(USER_TYPES as unknown as string[], { message: 'Choose one of the user types.' })
  userType!: UserType;

  @Transform(list)
  @IsString({ each: true })
  roles: string[] = [];

  /** Empty: the instance's default language. Left out (an older form): unchanged. */
  @IsOptional()
  @IsIn(['', ...LANGUAGES], { message: 'Choose one of the languages.' })
  language?: string;

  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt()
  version?: number;
}
