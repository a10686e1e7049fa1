export const USAGE = `Usage: npm run cli -- <command>

Commands:
  instance:create <name> --admin-login <login> --admin-email <email> [--admin-password <pw>] [--display-name <text>]
      Create an instance with the roles Administrator, Salesperson, Manager, Worker, the group
      Everybody and an Internal administrator. Without --admin-password one is generated and printed once.
  instance:list
      One line per instance with its URL.`;

/** `cmd pos --key value --flag`: small enough not to need a library. */
export function parseArgs(argv: string[]): { command?: string; positional: string[]; options: Record<string, string | undefined> } {
  const [command, ...rest] = argv;
  const positional: string[] = [];
  const options: Record<string, string | undefined> = {};
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq > 0) options[arg.slice(2, eq)] = arg.slice(eq + 1);
    else if (rest[i + 1] !== undefined && !rest[i + 1].startsWith('--')) options[arg.slice(2)] = rest[++i];
    else options[arg.slice(2)] = 'true';
  }
  return { command, positional, options };
}
