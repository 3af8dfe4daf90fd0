/**
 * `npm run new-feature -- <id> [--content] [--account] [--owner <email>]`
 *
 * Writes a working feature folder (feature.json, index.ts, and with
 * --content a content script and the messages it shares with index.ts) and
 * a test that runs it in the real host on a fake browser. The next build
 * picks the folder up. Refuses an id that breaks the id rule or that is
 * taken, before writing anything.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { featureId } from '../protocol/manifest-schema';
import { toDisplayPath } from './channel-config';
import { describeForCli, SubjectBuildError, UsageError } from './errors';
import {
  CONTENT_SCRIPT,
  makeNames,
  renderContentScript,
  renderFeatureJson,
  renderIndex,
  renderMessages,
  renderMessagesFile,
  renderTest,
  type ImportPaths,
  type TemplateOptions,
} from './new-feature/templates';
import { runAsCommand } from './run-as-command';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const NEW_FEATURE_USAGE = 'usage: npm run new-feature -- <id> [--content] [--account] [--owner <email>]';

/** A feature that cannot be made: its id breaks the rule, or its folder or test exists. */
export class NewFeatureError extends SubjectBuildError<'invalid-feature-id' | 'feature-exists'> {}

export interface NewFeatureOptions {
  id: string;
  /** Add a content script, `content/page.ts`, that talks to the feature. */
  content?: boolean;
  /** The feature uses beta services and so requires the beta account. */
  account?: boolean;
  /** Default "<id>-team@services.example.org". */
  owner?: string;
  /** Where extension/ and test/ live; default: this repository. */
  rootDir?: string;
  /** Default `<rootDir>/features`. */
  featuresDir?: string;
  /** Default `<rootDir>/test/features`. */
  testsDir?: string;
}

export interface NewFeatureResult {
  id: string;
  featureDir: string;
  testPath: string;
  /** Every file written, feature folder first. */
  files: string[];
}

/**
 * Writes the feature folder and its test; writes nothing when the id is
 * invalid or taken, and removes what it wrote if a write fails.
 *
 * @example
 *   writeNewFeature({ id: 'word-count', content: true });
 *   // features/word-count/{feature.json,index.ts,messages.ts,content/page.ts}, test/features/word-count.test.ts
 */
export function writeNewFeature(options: NewFeatureOptions): NewFeatureResult {
  const rootDir = resolve(options.rootDir ?? REPO_ROOT);
  const featuresDir = resolve(options.featuresDir ?? join(rootDir, 'features'));
  const testsDir = resolve(options.testsDir ?? join(rootDir, 'test', 'features'));
  const id = checkFeatureId(options.id);
  const featureDir = join(featuresDir, id);
  const testPath = join(testsDir, `${id}.test.ts`);
  for (const path of [featureDir, testPath]) {
    if (existsSync(path)) throw new NewFeatureError('feature-exists', `${toDisplayPath(path)} already exists: the id "${id}" is taken`, path);
  }

  const template: TemplateOptions = {
    names: makeNames(id),
    content: options.content ?? false,
    account: options.account ?? false,
    owner: options.owner ?? `${id}-team@services.example.org`,
  };
  const paths = resolveImports(rootDir, featureDir, testsDir);
  const files: Array<[string, string]> = [
    [join(featureDir, 'feature.json'), renderFeatureJson(template)],
    [join(featureDir, 'index.ts'), renderIndex(template, paths)],
    [join(featureDir, '_locales', 'en', 'messages.json'), renderMessagesFile(template)],
  ];
  if (template.content) {
    files.push([join(featureDir, 'messages.ts'), renderMessages(template)]);
    files.push([join(featureDir, 'content', `${CONTENT_SCRIPT}.ts`), renderContentScript(template, paths)]);
  }
  files.push([testPath, renderTest(template, paths)]);

  const written: string[] = [];
  let madeFeatureDir = false;
  try {
    mkdirSync(featuresDir, { recursive: true });
    // Not recursive: if the folder appeared since the check, this fails instead of writing into it.
    mkdirSync(featureDir);
    madeFeatureDir = true;
    for (const [path, text] of files) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text, { flag: 'wx' });
      written.push(path);
    }
  } catch (error) {
    if (madeFeatureDir) rmSync(featureDir, { recursive: true, force: true });
    if (written.includes(testPath)) rmSync(testPath, { force: true });
    throw error;
  }
  return { id, featureDir, testPath, files: written };
}

/** The feature-id rule every side checks (the manifest, feature.json), applied before anything is written. */
function checkFeatureId(id: string): string {
  const result = featureId.safeParse(id);
  if (result.success) return result.data;
  const rule = result.error.issues[0]?.message ?? 'not a feature id';
  throw new NewFeatureError('invalid-feature-id', `"${id}" is not a feature id: ${rule}`, id);
}

function resolveImports(rootDir: string, featureDir: string, testsDir: string): ImportPaths {
  const from = (dir: string, target: string) => {
    const path = relative(dir, target).split(sep).join('/');
    return path.startsWith('.') ? path : `./${path}`;
  };
  return {
    featureApi: from(featureDir, join(rootDir, 'extension/runtime/feature-api')),
    contentMessaging: from(join(featureDir, 'content'), join(rootDir, 'extension/runtime/content-messaging')),
    contentErrors: from(join(featureDir, 'content'), join(rootDir, 'extension/runtime/content-errors')),
    featureIndex: from(testsDir, join(featureDir, 'index')),
    featureDir: from(testsDir, featureDir),
    featureHost: from(testsDir, join(rootDir, 'extension/runtime/feature-host')),
    fakeBrowser: from(testsDir, join(rootDir, 'test/helpers/fake-browser')),
    testFeatures: from(testsDir, join(rootDir, 'test/helpers/test-features')),
  };
}

/**
 * The CLI: parses argv, writes the feature and says what to do next.
 * Returns the exit code: 0 written, 1 refused, 2 usage mistake.
 */
export function runNewFeatureCli(
  argv: string[],
  options: Omit<NewFeatureOptions, 'id' | 'content' | 'account' | 'owner'> = {},
  out: (line: string) => void = console.log,
  err: (line: string) => void = console.error,
): number {
  let parsed: NewFeatureOptions | 'help';
  try {
    parsed = parseNewFeatureArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err(`new-feature: ${error.message}\n${NEW_FEATURE_USAGE}`);
    return 2;
  }
  if (parsed === 'help') {
    out(NEW_FEATURE_USAGE);
    return 0;
  }
  try {
    const result = writeNewFeature({ ...options, ...parsed });
    const show = (path: string) => toDisplayPath(path);
    out(`Created the feature "${result.id}":`);
    for (const file of result.files) out(`  ${show(file)}`);
    out(`Next: say what it does in ${show(join(result.featureDir, 'feature.json'))}, run its test with`);
    out(`  npx mocha ${show(result.testPath)}`);
    out('and build the add-on with npm run build.');
    return 0;
  } catch (error) {
    err(`new-feature: ${describeForCli(error)}`);
    return 1;
  }
}

function parseNewFeatureArgs(argv: string[]): NewFeatureOptions | 'help' {
  let values: { content?: boolean; account?: boolean; owner?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        content: { type: 'boolean', default: false },
        account: { type: 'boolean', default: false },
        owner: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
  if (values.help) return 'help';
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length ? `one feature id, not ${positionals.length}: ${positionals.join(' ')}` : 'missing the feature id', { subject: '<id>' });
  }
  if (values.owner !== undefined && !values.owner.trim()) throw new UsageError('--owner must not be empty', { subject: '--owner' });
  return { id: positionals[0]!, content: values.content, account: values.account, owner: values.owner };
}

runAsCommand(import.meta.url, runNewFeatureCli);
