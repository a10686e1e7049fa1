import { CsrfOnlyDto } from '../../common/csrf-only.dto.js';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, Matches } from 'class-validator';
import { NewPasswordDto } from '../../users/dto/new-password.dto.js';

/** Bulk send: the checked `ids` of the users list (one value or many). */

export class BulkInvitationDto extends CsrfOnlyDto {
  @Transform(({ value }: { value: unknown }) => (value === undefined ? [] : Array.isArray(value) ? value : [value]))
  @IsArray()
  @ArrayMaxSize(500)
  @Matches(/^\d{1,9}$/, { each: true })
  ids: string[] = [];
}

/** The Create Account form. Login, name, e-mail and roles come from the invitation, never from the form (extra fields are refused). */
export class SignupDto extends NewPasswordDto {}
