import { ForbiddenException, HttpException, HttpStatus } from '@nestjs/common';

/** One message for every failed login: wrong password, unknown login, throttled, or cannot log in. */
export const LOGIN_FAILED_MESSAGE = 'Wrong login or password.';

export class LoginFailedException extends HttpException {
  constructor(readonly login: string) {
    super(LOGIN_FAILED_MESSAGE, HttpStatus.UNAUTHORIZED);
  }
}

/** No session (or an expired one) on a page that needs one: the filter sends the person to /login. */
export class LoginRequiredException extends HttpException {
  constructor() {
    super('Please log in.', HttpStatus.UNAUTHORIZED);
  }
}

/** The seed's note: a user without roles sees exactly this, with their login. */
export class NoRolesException extends ForbiddenException {
  constructor(readonly login: string) {
    super(`The currently logged user ${login} has no assigned roles.`);
  }
}

/** The instance requires two-step login of this user, who has not set it up: the filter sends them to the setup. */
export class TwoStepSetupRequiredException extends HttpException {
  constructor() {
    super('Set up two-step login to go on.', HttpStatus.FORBIDDEN);
  }
}
