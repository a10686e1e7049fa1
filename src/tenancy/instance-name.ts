/** Names no instance may take: they are, or may become, hosts of the platform itself. */
const RESERVED = new Set([
  'www',
  'api',
  'admin',
  'mail',
  'static',
  'smtp',
  'imap',
  'pop',
  'ftp',
  'app',
  'apps',
  'auth',
  'login',
  'sso',
  'status',
  'help',
  'support',
  'docs',
  'blog',
  'cdn',
  'assets',
  'public',
  'dashboard',
  'console',
  'root',
  'system',
  'localhost',
  'ns1',
  'ns2',
  'mx',
  'webmail',
  'autodiscover',
  'autoconfig',
  'health',
  'test',
  'dev',
  'staging',
]);

/** Why a name cannot be an instance name, or undefined when it can. */
export function instanceNameProblem(name: string): string | undefined {
  if (name.length < 2 || name.length > 63) return 'must be 2 to 63 characters long';
  if (!/^[a-z0-9-]+$/.test(name)) return 'may hold only lowercase letters, digits and hyphens';
  if (name.startsWith('-') || name.endsWith('-')) return 'must not start or end with a hyphen';
  if (RESERVED.has(name)) return 'is reserved';
  return undefined;
}

/**
 * The instance label of a request host under the base host, '' for the base host itself, or
 * undefined for a host that belongs to neither. The port is ignored.
 */
export function instanceLabel(host: string | undefined, baseHost: string): string | undefined {
  if (!host) return undefined;
  const hostname = host.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
  if (hostname === baseHost) return '';
  const suffix = '.' + baseHost;
  if (!hostname.endsWith(suffix)) return undefined;
  const label = hostname.slice(0, -suffix.length);
  return /^[a-z0-9-]{1,63}$/.test(label) ? label : undefined;
}
