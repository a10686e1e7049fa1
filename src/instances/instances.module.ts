import { Module, type DynamicModule } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import type { AppConfig } from '../config/app-config.js';
import { ClockModule } from '../common/clock.module.js';
import { ConfigModule } from '../config/config.module.js';
import { DatabaseModule } from '../database/database.module.js';
import { GroupsModule } from '../groups/groups.module.js';
import { RolesModule } from '../roles/roles.module.js';
import { TenancyModule } from '../tenancy/tenancy.module.js';
import { UsersModule } from '../users/users.module.js';
import { InstancesService } from './instances.service.js';

/** Provisioning instances: in the app (demo seed), and on its own for the command line. */
@Module({ imports: [UsersModule, GroupsModule], providers: [InstancesService], exports: [InstancesService] })
export class InstancesModule {
  /** Just what provisioning needs, without HTTP, mail or sessions (the command line). */
  static standalone(config: AppConfig, databaseUrl: string): DynamicModule {
    return {
      module: InstancesModule,
      imports: [
        ConfigModule.forRoot(config),
        ClockModule,
        DatabaseModule.forRoot(databaseUrl, config.database),
        TenancyModule,
        AuditModule,
        RolesModule,
        UsersModule,
        GroupsModule,
      ],
      providers: [InstancesService],
      exports: [InstancesService],
    };
  }
}
