import assert from 'node:assert/strict';
import { z } from 'zod';
import { formatZodIssues, listZodIssues } from '../../protocol/zod-issues';

const schema = z.strictObject({
  name: z.string(),
  kind: z.enum(['tab', 'page']),
  features: z.array(z.strictObject({ id: z.string(), rollout: z.number().max(100, 'must be a percentage from 0 to 100') })),
});

describe('protocol/: zod issues in words', () => {
  const input = { kind: 'window', features: [{ id: 'page-notes', rollout: 150 }, { id: 'reading-time', rollout: 1, colour: 'blue' }], extra: 1 };
  const error = schema.safeParse(input).error!;

  it('names every field: missing ones, values not allowed, array elements by index and id, each unknown key', () => {
    assert.deepEqual(listZodIssues(error, { input }), [
      { field: 'name', message: 'missing (expected string)' },
      { field: 'kind', message: '"window" is not one of: tab, page' },
      { field: 'features[0] (page-notes).rollout', message: 'must be a percentage from 0 to 100' },
      { field: 'features[1] (reading-time).colour', message: 'unknown field' },
      { field: 'extra', message: 'unknown field' },
    ]);
  });

  it('puts the root name before fields and the file before everything, on one line', () => {
    const text = formatZodIssues(error, { input, root: 'body', file: 'release/beta.json' });
    assert.match(text, /^release\/beta\.json: body\.name: missing \(expected string\); body\.kind: /);
    assert.match(text, /; body\.features\[0\] \(page-notes\)\.rollout: must be a percentage from 0 to 100;/);
  });

  it('still tells a missing field and lists the allowed values without the input, and names a bad whole value', () => {
    assert.deepEqual(listZodIssues(error).slice(0, 2), [
      { field: 'name', message: 'missing (expected string)' },
      { field: 'kind', message: 'must be one of: tab, page' },
    ]);
    assert.deepEqual(listZodIssues(schema.safeParse([]).error!, { input: [] }), [{ field: '(top level)', message: 'expected object, received array' }]);
    assert.equal(formatZodIssues(schema.safeParse(7).error!, { root: 'body' }), 'body: expected object, received number');
  });
});
