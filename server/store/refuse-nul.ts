/**
 * PostgreSQL cannot store the character U+0000 in text and fails the whole
 * query; SQLite would store it. Both stores refuse it before the query runs,
 * alike, with an error that fastify's convention (statusCode) turns into a
 * 400 instead of a 500.
 */
import {
  OperationNodeTransformer,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type PrimitiveValueListNode,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
  type ValueNode,
} from 'kysely';

/** A value the store cannot keep; the client sent it, so the client can fix it. */
export class StoreInputError extends Error {
  readonly statusCode = 400;
  readonly code = 'invalid_text';
  constructor(message: string) {
    super(message);
    this.name = 'StoreInputError';
  }
}

function checkValue(value: unknown): void {
  if (typeof value === 'string' && value.includes('\u0000')) {
    throw new StoreInputError('text must not contain the character U+0000 (NUL)');
  }
}

class NulFinder extends OperationNodeTransformer {
  protected override transformValue(node: ValueNode): ValueNode {
    checkValue(node.value);
    return node;
  }
  protected override transformPrimitiveValueList(node: PrimitiveValueListNode): PrimitiveValueListNode {
    node.values.forEach(checkValue);
    return node;
  }
}

/** Refuses any query that would send a string holding U+0000. */
export class RefuseNulPlugin implements KyselyPlugin {
  readonly #finder = new NulFinder();
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#finder.transformNode(args.node);
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}
