import { Controller, Get, Render } from '@nestjs/common';
import { RequirePermission } from '../common/decorators.js';

/** The Security module's start page: its navigators Users, Roles, Groups. */
@RequirePermission('security')
@Controller('security')
export class SecurityController {
  @Get()
  @Render('security/index')
  index() {
    return { title: 'Security', securityActive: true };
  }
}
