// Entry point of `npm start`. The configuration is checked before the framework loads (seconds on a
// busy machine), so a bad variable stops the start at once with one line.
import { AppConfig, ConfigError } from './config/app-config.js';
import { EmbeddedPostgresError } from './database/embedded-postgres.js';

async function main(): Promise<void> {
  const config = new AppConfig();
  const { runServer } = await import('./server.js');
  await runServer(config);
}

main().catch((err: unknown) => {
  // Configuration and database-folder problems: one line that says what to fix.
  if (err instanceof ConfigError) console.error(`Configuration error: ${err.message}`);
  else if (err instanceof EmbeddedPostgresError) console.error(`Database error: ${err.message}`);
  else console.error(err);
  process.exit(1);
});
