import { Module } from '@nestjs/common';
import { GroupsController } from './groups.controller.js';
import { GroupsRepository } from './groups.repository.js';

@Module({ controllers: [GroupsController], providers: [GroupsRepository] })
export class GroupsModule {}
