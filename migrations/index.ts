import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261124000000 } from './Migration20261124000000.js';
import { Migration20261130000000 } from './Migration20261130000000.js';
import { Migration20261130091400 } from './Migration20261130091400.js';
import { Migration20261130120000 } from './Migration20261130120000.js';
import { Migration20261130130000 } from './Migration20261130130000.js';
import { Migration20261130140000 } from './Migration20261130140000.js';
import { Migration20261130160000 } from './Migration20261130160000.js';
import { Migration20261130170000 } from './Migration20261130170000.js';
import { Migration20261201090000 } from './Migration20261201090000.js';
import { Migration20261201120000 } from './Migration20261201120000.js';
import { Migration20261202090000 } from './Migration20261202090000.js';
import { Migration20261202100000 } from './Migration20261202100000.js';

/** Every migration in order. Listed explicitly so the app and the tests load them without a glob. */
export const MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261124000000', class: Migration20261124000000 },
  { name: 'Migration20261130000000', class: Migration20261130000000 },
  { name: 'Migration20261130091400', class: Migration20261130091400 },
  { name: 'Migration20261130120000', class: Migration20261130120000 },
  { name: 'Migration20261130130000', class: Migration20261130130000 },
  { name: 'Migration20261130140000', class: Migration20261130140000 },
  { name: 'Migration20261130160000', class: Migration20261130160000 },
  { name: 'Migration20261130170000', class: Migration20261130170000 },
  { name: 'Migration20261201090000', class: Migration20261201090000 },
  { name: 'Migration20261201120000', class: Migration20261201120000 },
  { name: 'Migration20261202090000', class: Migration20261202090000 },
  { name: 'Migration20261202100000', class: Migration20261202100000 },
];
