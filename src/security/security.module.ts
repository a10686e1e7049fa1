import { Module } from '@nestjs/common';
import { HomeController } from './home.controller.js';
import { SecurityController } from './security.controller.js';

@Module({ controllers: [HomeController, SecurityController] })
export class SecurityModule {}
