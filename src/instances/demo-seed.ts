import type { INestApplication } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { InstancesService } from './instances.service.js';
import { TenantsService } from '../tenancy/tenants.service.js';

/**
 * First start on an empty database: the `demo` instance with admin `admin`; its password is printed
 * once. True when the demo instance exists, so the start can end with the URL to open.
 */
export async function seedDemo(app: INestApplication, config: AppConfig, print: (line: string) => void): Promise<boolean> {
  const instances = app.get(InstancesService);
  if (!(await instances.isEmpty())) return Boolean(await app.get(TenantsService).findByName('demo'));
  print('Creating the demo instance ...');
  const { password } = await instances.create({ name: 'demo', displayName: 'Demo', adminLogin: 'admin', adminEmail: 'admin@demo.example.com' });
  print('');
  print('  Demo instance created (shown once):');
  print(`    URL:      ${config.tenantOrigin('demo')}/login`);
  print('    Login:    admin');
  print(`    Password: ${password}`);
  print('');
  return true;
}
