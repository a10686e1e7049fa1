import type { INestApplication } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { InstancesService } from './instances.service.js';

/** First start on an empty database: the `demo` instance with admin `admin`; its password is printed once. */
export async function seedDemo(app: INestApplication, config: AppConfig, print: (line: string) => void): Promise<void> {
  const instances = app.get(InstancesService);
  if (!(await instances.isEmpty())) return;
  const { password } = await instances.create({ name: 'demo', displayName: 'Demo', adminLogin: 'admin', adminEmail: 'admin@demo.example.com' });
  print('');
  print('  Demo instance created (shown once):');
  print(`    URL:      ${config.tenantOrigin('demo')}/login`);
  print('    Login:    admin');
  print(`    Password: ${password}`);
  print('');
}
