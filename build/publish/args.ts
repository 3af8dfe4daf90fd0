/**
 * Command-line options of `npm run publish`. Turned into a plain object
 * first, so that every usage mistake is reported before any file is read.
 */
import { DEFAULT_MAX_LIFETIME_DAYS } from '../../protocol/manifest-policy';
import { UsageError } from '../errors';
import { parseFlags } from '../parse-flags';

export const PUBLISH_USAGE = `usage: npm run publish -- --release <file> --key <private key>
    [--lock dist/features.lock.json] [--services-lock <beside --lock>/services.lock.json]
    [--out dist/manifest.signed.json]
    [--server <url>] [--admin-token <token> | env ADMIN_TOKEN]
    [--serial <n>] [--expires-in <days, default 7>] [--key-id <id>] [--local-dev]`;

export interface PublishOptions {
  releasePath: string;
  keyPath: string;
  /** Overrides the key id taken from the key file's name. */
  keyId?: string;
  lockPath: string;
  /** dist/services.lock.json; read only when the release lists services. Defaults to services.lock.json beside lockPath. */
  servicesLockPath?: string;
  outPath: string;
  /** Beta server origin without a trailing slash. */
  server?: string;
  adminToken?: string;
  serial?: number;
  expiresInDays: number;
  localDev: boolean;
}

/**
 * Parses argv (and ADMIN_TOKEN from env) into PublishOptions; throws UsageError.
 *
 * @example parsePublishArgs(['--release', 'release/example.json', '--key', 'keys/k.private.pem'], process.env)
 */
export function parsePublishArgs(argv: string[], env: Record<string, string | undefined>): PublishOptions | 'help' {
  const values = parseFlags(argv, {
    release: { type: 'string' },
    key: { type: 'string' },
    'key-id': { type: 'string' },
    lock: { type: 'string', default: 'dist/features.lock.json' },
    'services-lock': { type: 'string' },
    out: { type: 'string', default: 'dist/manifest.signed.json' },
    server: { type: 'string' },
    'admin-token': { type: 'string' },
    serial: { type: 'string' },
    'expires-in': { type: 'string', default: '7' },
    'local-dev': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  }) as Record<string, string | boolean | undefined>;
  if (values.help) return 'help';
  const text = (name: string) => values[name] as string | undefined;
  const missing = ['release', 'key'].filter((name) => !text(name));
  if (missing.length) throw new UsageError(`missing ${missing.map((m) => `--${m}`).join(' and ')}`, { subject: `--${missing[0]}` });

  const options: PublishOptions = {
    releasePath: text('release')!,
    keyPath: text('key')!,
    lockPath: text('lock')!,
    outPath: text('out')!,
    expiresInDays: Number(text('expires-in')),
    localDev: values['local-dev'] === true,
  };
  if (!(options.expiresInDays > 0) || !(options.expiresInDays <= DEFAULT_MAX_LIFETIME_DAYS)) {
    throw new UsageError(`--expires-in "${text('expires-in')}" must be a positive number of days, at most ${DEFAULT_MAX_LIFETIME_DAYS}`, {
      subject: '--expires-in',
    });
  }
  if (text('key-id')) options.keyId = text('key-id');
  if (text('services-lock')) options.servicesLockPath = text('services-lock');
  if (text('serial') !== undefined) {
    const serial = Number(text('serial'));
    if (!Number.isSafeInteger(serial) || serial <= 0) throw new UsageError(`--serial "${text('serial')}" must be a positive integer`, { subject: '--serial' });
    options.serial = serial;
  }
  if (text('server') !== undefined) {
    let url: URL;
    try {
      url = new URL(text('server')!);
    } catch {
      throw new UsageError(`--server "${text('server')}" is not a URL`, { subject: '--server' });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--server "${text('server')}" must be http(s)`, { subject: '--server' });
    options.server = url.href.replace(/\/+$/, '');
    options.adminToken = text('admin-token') ?? env.ADMIN_TOKEN;
    if (!options.adminToken) throw new UsageError('--server needs an admin token: pass --admin-token or set ADMIN_TOKEN', { subject: '--admin-token' });
  } else if (text('admin-token')) {
    throw new UsageError('--admin-token is only used with --server', { subject: '--admin-token' });
  }
  return options;
}
