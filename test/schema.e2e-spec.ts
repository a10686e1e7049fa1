import { MikroORM } from '@mikro-orm/postgresql';
import { afterAll, describe, expect, it } from 'vitest';
import { ENTITIES } from '../src/app.entities.js';
import { ormConfig } from '../src/database/orm-config.js';
import { freshDatabase } from './support/test-app.js';

/**
 * What MikroORM cannot express, by name. Each is a foreign key from (tenant_id, x_id) to
 * (tenant_id, id) of another table, so a membership or invitation can only join rows of one
 * instance. MikroORM relations point at a primary key only, so the entities keep these columns as
 * plain keys and the diff would drop the constraints; the migration is the truth for them.
 */
const EXCEPTIONS: { statement: RegExp; why: string }[] = [
  'group_member_tenant_id_group_id_fkey',
  'group_member_tenant_id_user_id_fkey',
  'invitation_tenant_id_user_id_fkey',
  'invitation_tenant_id_sent_by_id_fkey',
  'passkey_tenant_id_user_id_fkey',
  'recovery_code_tenant_id_user_id_fkey',
  'user_role_tenant_id_role_id_fkey',
  'user_role_tenant_id_user_id_fkey',
  'user_totp_tenant_id_user_id_fkey',
  'import_row_tenant_id_job_id_fkey',
  'import_job_tenant_id_created_by_id_fkey',
].map((name) => ({
  statement: new RegExp(`^alter table "\\w+" drop constraint "${name}";$`),
  why: 'tenant-scoped composite foreign key (to a unique (tenant_id, id), not a primary key)',
}));

describe('entities and migrations describe one schema', () => {
  let orm: MikroORM | undefined;
  afterAll(async () => {
    await orm?.close(true);
  });

  it("MikroORM's schema diff against the migrated database finds nothing but the named exceptions", async () => {
    orm = await MikroORM.init(ormConfig(await freshDatabase(), { entities: ENTITIES, pool: { min: 0, max: 1 } }));
    const diff = await orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false });
    const statements = diff
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
    const unexplained = statements.filter((s) => !EXCEPTIONS.some((e) => e.statement.test(s)));
    expect(unexplained).toEqual([]);
    // Every exception is still needed: when one goes away, its entry goes too.
    for (const exception of EXCEPTIONS)
      expect(
        statements.some((s) => exception.statement.test(s)),
        exception.statement.source,
      ).toBe(true);
  });
});
