import { Controller, Get, Render } from '@nestjs/common';
import { RequirePermission } from '../roles/require-permission.decorator.js';

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
