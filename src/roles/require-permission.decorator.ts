import { SetMetadata } from '@nestjs/common';
import type { Permission } from './role.entity.js';

export const PERMISSION = 'permission';

/** The permission a route needs, e.g. `security` for the Security module; the session guard checks it. */
export const RequirePermission = (permission: Permission) => SetMetadata(PERMISSION, permission);
