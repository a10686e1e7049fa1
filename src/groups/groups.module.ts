import { Module } from '@nestjs/common';
import { GroupsRepository } from './groups.repository.js';
import { GroupsService } from './groups.service.js';

@Module({ providers: [GroupsRepository, GroupsService], exports: [GroupsService] })
export class GroupsModule {}
