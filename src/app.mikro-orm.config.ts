import { ENTITIES } from './app.entities.js';
import { ormConfig } from './database/orm-config.js';

/** The config the mikro-orm CLI loads (package.json `mikro-orm.configPaths`); it reads MIKRO_ORM_CLIENT_URL. */
export default ormConfig(process.env.MIKRO_ORM_CLIENT_URL ?? process.env.DATABASE_URL ?? 'postgres://localhost/erp', { entities: ENTITIES });
