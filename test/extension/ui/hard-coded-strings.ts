/**
 * Finds words a user would read that do not come from the messages file:
 * text in the pages' HTML, string literals in their scripts that read like
 * prose or go where the user sees them (textContent, titles, labels,
 * placeholders, messages, errors, el() children), and sentences in what the
 * host sends the pages, which must be codes and parameters.
 */
import ts from 'typescript';

export interface Finding {
  file: string;
  line: number;
  text: string;
  why: string;
}

/** Two words, or one capitalised word, read as prose; identifiers, selectors and keys do not. */
export function looksLikeProse(text: string): boolean {
  const trimmed = text.trim();
  if (!/[A-Za-z]/.test(trimmed)) return false;
  if (/[A-Za-z]{2,}[,.;:!?]?\s+[A-Za-z]/.test(trimmed)) return true;
  return /^[A-Z][a-z]+[.!?…:]?$/.test(trimmed);
}

/** Properties and attributes whose value the user reads or hears. */
const SHOWN_PROPERTIES = new Set(['textContent', 'innerText', 'innerHTML', 'title', 'placeholder', 'label', 'alt', 'value']);
const SHOWN_ATTRIBUTES = new Set(['title', 'placeholder', 'aria-label', 'alt', 'aria-description', 'label']);
const SHOWING_CALLS = new Set(['showMessage', 'showText', 'confirm', 'alert', 'prompt']);
const TRANSLATING_CALLS = new Set(['t']);
const ERROR_CODE = /^[a-z][a-z0-9]*([-_.:][a-z0-9]+)*$/;
/** Attributes and properties whose values are for the browser, never for the reader. */
const CODE_ATTRIBUTES = new Set(['class', 'className', 'id', 'rel', 'role', 'type', 'name', 'target', 'autocomplete', 'href', 'src']);

function literalText(node: ts.Node): string | null {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) return [node.head.text, ...node.templateSpans.map((span) => span.literal.text)].join('${…}');
  return null;
}

function calleeName(call: ts.CallExpression | ts.NewExpression): string {
  const callee = call.expression;
  if (ts.isIdentifier(callee)) return callee.text;
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
  return '';
}

/**
 * The expression whose place decides: a literal inside `a ? 'x' : 'y'`,
 * `(…)` or `a ?? 'x'` goes wherever that whole expression goes.
 */
function placeOf(node: ts.Node): ts.Node {
  let current = node;
  for (;;) {
    const parent = current.parent;
    const passesThrough =
      ts.isParenthesizedExpression(parent) ||
      (ts.isConditionalExpression(parent) && parent.condition !== current) ||
      (ts.isBinaryExpression(parent) &&
        (parent.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken || parent.operatorToken.kind === ts.SyntaxKind.BarBarToken));
    if (!passesThrough) return current;
    current = parent;
  }
}

/** Why a literal in this place is shown to the user, or null when its place says nothing. */
function shownBecause(literal: ts.Node): string | null {
  const node = placeOf(literal);
  const parent = node.parent;
  if (ts.isBinaryExpression(parent) && parent.right === node && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
    const target = parent.left;
    if (ts.isPropertyAccessExpression(target) && SHOWN_PROPERTIES.has(target.name.text)) return `assigned to .${target.name.text}`;
  }
  if (ts.isPropertyAssignment(parent) && parent.initializer === node) {
    const name = ts.isIdentifier(parent.name) || ts.isStringLiteral(parent.name) ? parent.name.text : '';
    if (SHOWN_ATTRIBUTES.has(name)) return `given as ${name}`;
  }
  if ((ts.isCallExpression(parent) || ts.isNewExpression(parent)) && parent.arguments?.includes(node as ts.Expression)) {
    const name = calleeName(parent);
    const index = parent.arguments.indexOf(node as ts.Expression);
    // An error's code ("no-answer") is for code; anything else it carries may reach the user.
    if (ts.isNewExpression(parent) && /Error$/.test(name) && !ERROR_CODE.test(literalText(literal) ?? '')) return `the message of ${name}`;
    if (SHOWING_CALLS.has(name)) return `passed to ${name}()`;
    if (name === 'el' && index >= 2) return 'a child of el()';
    if (name === 'setAttribute' && index === 1) {
      const attribute = literalText(parent.arguments[0]!);
      if (attribute && SHOWN_ATTRIBUTES.has(attribute)) return `set as ${attribute}`;
    }
  }
  return null;
}

/** Places where a literal is code, never words: module names, message keys, types, comparisons. */
function isCode(literal: ts.Node): boolean {
  const node = placeOf(literal);
  const parent = node.parent;
  if (ts.isImportDeclaration(parent) || ts.isExportDeclaration(parent) || ts.isLiteralTypeNode(parent)) return true;
  if (ts.isCallExpression(parent) && TRANSLATING_CALLS.has(calleeName(parent)) && parent.arguments[0] === node) return true;
  if (ts.isPropertyAssignment(parent) && parent.name === node) return true;
  if (ts.isPropertyAssignment(parent) && parent.initializer === node) {
    const name = ts.isIdentifier(parent.name) || ts.isStringLiteral(parent.name) ? parent.name.text : '';
    if (CODE_ATTRIBUTES.has(name) || name.startsWith('data-')) return true;
  }
  if (ts.isBinaryExpression(parent) && parent.right === node && ts.isPropertyAccessExpression(parent.left) && CODE_ATTRIBUTES.has(parent.left.name.text)) return true;
  if (ts.isCaseClause(parent)) return true;
  if (ts.isBinaryExpression(parent)) {
    const operator = parent.operatorToken.kind;
    if (operator === ts.SyntaxKind.EqualsEqualsEqualsToken || operator === ts.SyntaxKind.ExclamationEqualsEqualsToken) return true;
  }
  return false;
}

export function findInScript(file: string, source: string): Finding[] {
  const sourceFile = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const findings: Finding[] = [];
  const visit = (node: ts.Node): void => {
    const text = literalText(node);
    if (text !== null && !isCode(node)) {
      const shown = shownBecause(node);
      const why = shown && /[A-Za-z]/.test(text) ? shown : looksLikeProse(text) ? 'reads like prose' : null;
      if (why) {
        const line = sourceFile.getLineAndCharacterOfPosition(node.getStart()).line + 1;
        findings.push({ file, line, text, why });
      }
    }
    // The parts of a template are checked as one literal.
    if (!ts.isTemplateExpression(node)) ts.forEachChild(node, visit);
    else node.templateSpans.forEach((span) => visit(span.expression));
  };
  visit(sourceFile);
  return findings;
}

const SHOWN_HTML_ATTRIBUTE = new RegExp(`\\s(${[...SHOWN_ATTRIBUTES].join('|')})\\s*=\\s*"([^"]*)"`, 'g');

/** Text between tags, and shown attributes written in the markup, outside scripts and styles. */
export function findInHtml(file: string, source: string): Finding[] {
  const findings: Finding[] = [];
  const lineOf = (index: number) => source.slice(0, index).split('\n').length;
  const markup = source.replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1>/gi, (block) => block.replace(/[^\n]/g, ' '));
  for (const match of markup.matchAll(/>([^<]+)</g)) {
    const text = match[1]!.trim();
    if (text !== '') findings.push({ file, line: lineOf(match.index!), text, why: 'text in the markup (use data-i18n)' });
  }
  for (const tag of markup.matchAll(/<[a-z][^>]*>/gi)) {
    for (const attribute of tag[0].matchAll(SHOWN_HTML_ATTRIBUTE)) {
      if (/[A-Za-z]/.test(attribute[2]!)) {
        findings.push({ file, line: lineOf(tag.index!), text: attribute[2]!, why: `${attribute[1]} in the markup (use data-i18n-attr)` });
      }
    }
  }
  return findings;
}

/**
 * Strings that read like prose anywhere in data the host sends the pages,
 * except under the keys named in `dataKeys` (names, descriptions, addresses:
 * data, not the add-on's words). `file` names the data in the findings and
 * `line` is 0: the place is the path in `text`.
 *
 * @example findProseInData('status', { features: [{ reason: 'Turned off by the user' }] }, new Set())
 * // [{ file: 'status', line: 0, text: 'features[0].reason: Turned off by the user', why: 'a sentence from the host' }]
 */
export function findProseInData(file: string, value: unknown, dataKeys: ReadonlySet<string>, path = ''): Finding[] {
  if (typeof value === 'string') return looksLikeProse(value) ? [{ file, line: 0, text: `${path}: ${value}`, why: 'a sentence from the host' }] : [];
  if (Array.isArray(value)) return value.flatMap((item, index) => findProseInData(file, item, dataKeys, `${path}[${index}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) => (dataKeys.has(key) ? [] : findProseInData(file, item, dataKeys, path ? `${path}.${key}` : key)));
}
