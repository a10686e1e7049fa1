import { Controller, Get, Render, Req } from '@nestjs/common';
import type { Request } from 'express';

/** The instance's start page after login: the modules this user may open. */
@Controller()
export class HomeController {
  @Get()
  @Render('home')
  home(@Req() req: Request) {
    return { title: req.tenant!.displayName, tenant: req.tenant };
  }
}
