/**
 * The files `npm run new-feature` writes. Each template is a small function
 * of the feature's names and of the import paths from where the file lands,
 * so that a feature generated anywhere (a test's temporary folder too)
 * builds and runs.
 */

export interface FeatureNames {
  /** "word-count" */
  id: string;
  /** "Word count": shown to users and QA. */
  title: string;
  /** "WordCount": for type names. */
  pascal: string;
}

export interface TemplateOptions {
  names: FeatureNames;
  /** With a content script (`content/page.ts`) that talks to the feature. */
  content: boolean;
  /** Uses the beta server's services, so it needs the beta account. */
  account: boolean;
  owner: string;
}

/** Import paths, each relative to the file that imports it. */
export interface ImportPaths {
  /** From features/<id>/ to extension/runtime/feature-api. */
  featureApi: string;
  /** From features/<id>/content/ to extension/runtime/content-messaging. */
  contentMessaging: string;
  /** From features/<id>/content/ to extension/runtime/content-errors. */
  contentErrors: string;
  /** From the tests folder to the feature's index, and to the test helpers. */
  featureIndex: string;
  /** From the tests folder to the feature folder. */
  featureDir: string;
  featureHost: string;
  fakeBrowser: string;
  testFeatures: string;
}

export const CONTENT_SCRIPT = 'page';
export const MENU_ID = 'run';

/** "word-count" → { title: "Word count", pascal: "WordCount" } */
export function makeNames(id: string): FeatureNames {
  const words = id.split('-').filter(Boolean);
  const capitalize = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);
  return { id, title: capitalize(words.join(' ')), pascal: words.map(capitalize).join('') };
}

export function renderFeatureJson({ names, content, account, owner }: TemplateOptions): string {
  const json = {
    id: names.id,
    name: names.title,
    description: describeFeature(names, content, account),
    version: '0.1.0',
    owners: [owner],
    permissions: content ? ['menus', 'scripting'] : ['menus'],
    hostPermissions: content ? ['http://*/*', 'https://*/*'] : [],
    events: [],
    requiresAccount: account,
    // What a call to the beta service sends: that the user clicked the menu item. Say what yours sends.
    dataCollection: account ? ['technicalAndInteraction'] : [],
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

function describeFeature(names: FeatureNames, content: boolean, account: boolean): string {
  const parts = [`Adds “${names.title}” to the page’s context menu`];
  if (account) parts.push('which calls its beta service as your beta account');
  if (content) parts.push('and greets every web page you open');
  return `${parts.join(', ')}.`;
}

/** The feature's own words, `_locales/en/messages.json`: its name and description as the popup and the QA panel show them, and its menu item. */
export function renderMessagesFile({ names, content, account }: TemplateOptions): string {
  const messages = {
    name: { message: names.title, description: "The feature's name in the toolbar popup and the QA panel." },
    description: { message: describeFeature(names, content, account), description: "One sentence under the feature's name." },
    menuTitle: { message: names.title, description: 'The page context menu item.' },
  };
  return `${JSON.stringify(messages, null, 2)}\n`;
}

export function renderIndex({ names, content, account }: TemplateOptions, paths: ImportPaths): string {
  const lines = [`import { defineFeature } from '${paths.featureApi}';`];
  if (content) lines.push(`import type { ${names.pascal}Answer, ${names.pascal}Message } from './messages';`);
  lines.push('');
  if (account) {
    lines.push(
      '// The beta service this feature calls. The host sends each call as the user’s',
      '// beta account, and installs the feature only while the user is signed in.',
      `const SERVICE_PATH = '/v1/services/${names.id}/';`,
      '',
    );
  }
  lines.push(
    '/**',
    ...wrapComment(`${names.title}. ${describeFeature(names, content, account)}`),
    ' * Everything it registers goes through its context, so the host removes',
    ' * it all when the feature is disabled or uninstalled.',
    ' */',
    'export default defineFeature({',
    '  async activate(ctx) {',
    '    await ctx.menus.create({',
    `      id: '${MENU_ID}',`,
    "      title: ctx.i18n.getMessage('menuTitle'),",
    "      contexts: ['page'],",
    '      async onClick() {',
  );
  if (account) {
    lines.push(
      '        const response = await ctx.services.fetch(SERVICE_PATH);',
      '        if (!response.ok) {',
      "          ctx.log.warn('the service answered', response.status);",
      '          return;',
      '        }',
    );
  }
  lines.push("        await ctx.usage.count('menu-clicked');", '      },', '    });');
  if (content) {
    lines.push(
      '',
      '    await ctx.contentScripts.register({',
      `      id: '${CONTENT_SCRIPT}',`,
      "      matches: ['http://*/*', 'https://*/*'],",
      `      js: ['content/${CONTENT_SCRIPT}.js'],`,
      "      runAt: 'document_idle',",
      '    });',
      '',
      `    ctx.messages.onMessage(async (message): Promise<${names.pascal}Answer | undefined> => {`,
      `      if ((message as ${names.pascal}Message).kind !== 'hello') return undefined;`,
      "      await ctx.usage.count('page-greeted');",
      `      return { greeting: \`Hello from \${ctx.id}\` };`,
      '    });',
    );
  }
  lines.push('  },', '});', '');
  return lines.join('\n');
}

/** Lines of a doc comment, at most about 76 characters wide. */
function wrapComment(text: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + word.length + 1 > 72) {
      lines.push(` * ${line}`);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(` * ${line}`);
  return lines;
}

/** Shared by the background part and the content script: beside index.ts, not in content/. */
export function renderMessages({ names }: TemplateOptions): string {
  return [
    '/** Messages between the content script and the feature’s background part. */',
    `export type ${names.pascal}Message = { kind: 'hello' };`,
    '',
    `export interface ${names.pascal}Answer {`,
    '  greeting: string;',
    '}',
    '',
  ].join('\n');
}

export function renderContentScript({ names }: TemplateOptions, paths: ImportPaths): string {
  return [
    '/**',
    ' * Runs on web pages: asks the feature’s background part for its greeting.',
    ' * Built as its own self-contained script; it reaches the feature only',
    ' * through sendToFeature. runContentScript logs what run() throws and',
    ' * counts it as the feature’s content error.',
    ' */',
    `import { runContentScript } from '${paths.contentErrors}';`,
    `import { sendToFeature } from '${paths.contentMessaging}';`,
    `import type { ${names.pascal}Answer, ${names.pascal}Message } from '../messages';`,
    '',
    `const FEATURE_ID = '${names.id}';`,
    '',
    'async function run(): Promise<void> {',
    `  const answer = (await sendToFeature(FEATURE_ID, { kind: 'hello' } satisfies ${names.pascal}Message)) as ${names.pascal}Answer;`,
    '  console.info(`[${FEATURE_ID}] ${answer.greeting}`);',
    '}',
    '',
    'runContentScript(FEATURE_ID, run);',
    '',
  ].join('\n');
}

export function renderTest({ names, content, account }: TemplateOptions, paths: ImportPaths): string {
  const id = names.id;
  const files = content ? `{ files: { [CONTENT]: '/* ${CONTENT_SCRIPT} */' }, requiresAccount: ${account} }` : `{ requiresAccount: ${account} }`;
  const lines = [
    '/**',
    ` * The ${id} feature in the real FeatureHost on a fake browser: what it`,
    ' * registers, how it answers, and that uninstall leaves nothing behind.',
    ' */',
    "import assert from 'node:assert/strict';",
    "import { join } from 'node:path';",
    `import feature from '${paths.featureIndex}';`,
    `import { FeatureHost } from '${paths.featureHost}';`,
    `import { createFakeBrowser, readFeatureMessages } from '${paths.fakeBrowser}';`,
    `import { makeFeature, makeFetchFile, makeLogger, makeServices, makeUsage } from '${paths.testFeatures}';`,
    '',
    `const ID = '${id}';`,
    `const MENU = 'sbc:${id}:${MENU_ID}';`,
    ...(content ? [`const CONTENT = 'features/${id}/content/${CONTENT_SCRIPT}.js';`] : []),
    '',
    'async function setUp() {',
    `  const browser = createFakeBrowser({ messages: readFeatureMessages(ID, join(__dirname, '${paths.featureDir}')) });`,
    `  const testFeature = makeFeature(ID, feature, ${files});`,
    '  const usage = makeUsage();',
    '  const services = makeServices();',
    '  const host = new FeatureHost({',
    '    browser,',
    '    registry: [testFeature.registered],',
    '    fetchFile: makeFetchFile(testFeature.files).fetchFile,',
    '    usage,',
    '    services,',
    '    log: makeLogger(),',
    '    activateTimeoutMs: 2000,',
    '    eventBus: browser.createEventBus(),',
    '  });',
    '  await host.restore();',
    `  await host.install({ ...testFeature.entry, requiresAccount: ${account} });`,
    '  assert.deepEqual(host.getActiveIds(), [ID], `${ID} did not start`);',
    '  return { browser, host, usage, services };',
    '}',
    '',
    `describe('${id} in the host', () => {`,
    `  it('adds its menu item${content ? ' and registers its content script on web pages' : ''}', async () => {`,
    '    const { browser, host } = await setUp();',
    `    assert.equal(browser.state.menus.get(MENU)?.title, '${names.title}');`,
  ];
  if (content) {
    lines.push(
      `    const script = browser.state.contentScripts.get('sbc:${id}:${CONTENT_SCRIPT}');`,
      '    assert.deepEqual(script?.js, [CONTENT]);',
      "    assert.deepEqual(script?.matches, ['http://*/*', 'https://*/*']);",
    );
  }
  lines.push('    await host.uninstall(ID);', '  });', '');
  lines.push(
    `  it('counts a click on its menu item${account ? ' once its service, called as the beta account, answers' : ''}', async () => {`,
    `    const { host, usage${account ? ', services' : ''} } = await setUp();`,
    "    assert.equal(await host.dispatchMenuClick({ menuItemId: MENU, pageUrl: 'https://example.org/' }, { id: 1 }), true);",
  );
  if (account) lines.push(`    assert.deepEqual(services.calls, [{ featureId: ID, path: '/v1/services/${id}/' }]);`);
  lines.push("    assert.deepEqual(usage.counts, [{ featureId: ID, event: 'menu-clicked', by: 1 }]);", '    await host.uninstall(ID);', '  });', '');
  if (content) {
    lines.push(
      "  it('answers its content script with a greeting and counts it', async () => {",
      '    const { host, usage } = await setUp();',
      "    const answer = await host.dispatchMessage({ type: 'sbc:feature', featureId: ID, payload: { kind: 'hello' } }, { tab: { id: 1, url: 'https://example.org/' } });",
      "    assert.deepEqual(answer, { greeting: `Hello from ${ID}` });",
      "    assert.deepEqual(usage.counts, [{ featureId: ID, event: 'page-greeted', by: 1 }]);",
      '    await host.uninstall(ID);',
      '  });',
      '',
    );
  }
  lines.push(
    "  it('leaves no menu, content script or listener behind after uninstall', async () => {",
    '    const { browser, host } = await setUp();',
    '    await host.uninstall(ID);',
    '    assert.deepEqual(browser.leaks(), []);',
    '    assert.deepEqual(host.getActiveIds(), []);',
    '  });',
    '});',
    '',
  );
  return lines.join('\n');
}
