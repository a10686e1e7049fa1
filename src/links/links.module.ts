import { Global, Module } from '@nestjs/common';
import { LinksRepository } from './links.repository.js';
import { LinksService } from './links.service.js';

/** One-time links for every feature that mails one (invitations now, password reset next). */
@Global()
@Module({ providers: [LinksRepository, LinksService], exports: [LinksService] })
export class LinksModule {}
