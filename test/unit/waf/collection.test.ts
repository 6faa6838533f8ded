import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Collection } from '../../../src/waf/collection.js';

const dump = (c: Collection): string => JSON.stringify(c.entries());

function frozenSample(): { c: Collection; want: string } {
  const c = new Collection();
  c.add('ARGS:a', '1');
  c.add('ARGS:b', '2');
  c.add('ARGS:A', '3');
  return { c, want: dump(c) };
}

test('adopt: every collection that adopts a frozen one reads it, and a write changes only the writer', () => {
  const { c: src, want } = frozenSample();
  const frozen = src.freeze();
  const writes: [string, (c: Collection) => void][] = [
    ['add', (c) => c.add('ARGS:a', 'x')],
    ['addLower', (c) => c.addLower('ARGS:Z', 'args:z', 'x')],
    ['set existing', (c) => c.set('ARGS:b', 'changed')],
    ['set repeated key', (c) => c.set('args:a', 'one')],
    ['setLower new', (c) => c.setLower('n', 'n', 'v')],
    ['delete', (c) => c.delete('args:a')],
    ['clear', (c) => c.clear()],
    ['restore', (c) => c.restore([['k', [{ key: 'k', value: 'v' }]]])],
  ];
  for (const [name, write] of writes) {
    const a = new Collection();
    const b = new Collection();
    a.adopt(frozen);
    b.adopt(frozen);
    assert.equal(dump(a), want, name);
    assert.equal(a.first('args:a'), '1', name);
    assert.equal(a.get('args:a').length, 2, name);
    // what the same write does on a collection built from scratch
    const ref = new Collection();
    ref.add('ARGS:a', '1');
    ref.add('ARGS:b', '2');
    ref.add('ARGS:A', '3');
    write(ref);
    write(a);
    assert.equal(dump(a), dump(ref), `${name}: the writer`);
    assert.equal(dump(b), want, `${name}: another adopter`);
    assert.equal(JSON.stringify(frozen.flat), want, `${name}: the frozen contents`);
    const c = new Collection();
    c.adopt(frozen);
    assert.equal(dump(c), want, `${name}: a later adopter`);
  }
});

test('adopt after writes replaces the contents; an empty frozen collection reads as empty', () => {
  const c = new Collection();
  c.add('x', '1');
  c.adopt(new Collection().freeze());
  assert.equal(c.size, 0);
  assert.equal(c.first('x'), undefined);
  c.add('y', '2');
  assert.deepEqual(c.entries(), [{ key: 'y', value: '2' }]);
});
