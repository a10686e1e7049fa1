import { Module, ValidationPipe, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AccountModule } from './account/account.module.js';
import { ENTITIES } from './app.entities.js';
import { AuditModule } from './audit/audit.module.js';
import { AuthModule } from './auth/auth.module.js';
import { HttpExceptionFilter } from './common/http-exception.filter.js';
import { RequestInputPipe } from './common/request-input.pipe.js';
import { IS_UNAVAILABLE } from './common/unavailable.js';
import type { AppConfig } from './config/app-config.js';
import { ClockModule } from './common/clock.module.js';
import { ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { DatabaseStatus } from './database/database-status.js';
import { HealthModule } from './health/health.module.js';
import { InstancesModule } from './instances/instances.module.js';
import { InvitationsModule } from './invitations/invitations.module.js';
import { LinksModule } from './links/links.module.js';
import { MailModule } from './mail/mail.module.js';
import { RolesModule } from './roles/roles.module.js';
import { GroupsModule } from './groups/groups.module.js';
import { UserImportModule } from './security/import/user-import.module.js';
import { SecurityModule } from './security/security.module.js';
import { TenancyModule } from './tenancy/tenancy.module.js';
import { UsersModule } from './users/users.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, databaseUrl: string): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        ClockModule,
        DatabaseModule.forRoot(databaseUrl, config.database, ENTITIES),
        AuditModule,
        TenancyModule,
        LinksModule,
        UserImportModule,
        UsersModule,
        RolesModule,
        GroupsModule,
        AuthModule,
        AccountModule,
        SecurityModule,
        MailModule,
        InvitationsModule,
        InstancesModule,
        HealthModule,
      ],
      providers: [
        // Runs first: NUL characters and prototype keys never reach validation, services or SQL.
        { provide: APP_PIPE, useClass: RequestInputPipe },
        { provide: APP_PIPE, useValue: new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }) },
        { provide: IS_UNAVAILABLE, inject: [DatabaseStatus], useFactory: (status: DatabaseStatus) => (err: unknown) => status.report(err) },
        { provide: APP_FILTER, useClass: HttpExceptionFilter },
      ],
    };
  }
}
