import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Collection } from '../../../src/waf/collection.js';
import { compileKeySelector } from '../../../src/waf/key-selector.js';

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

let seed = 11;
const rnd = (n: number): number => {
  seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
  return (seed >>> 8) % n;
};
const KEYS = ['a', 'A', 'b', 'hdr_x', 'HDR_y', 'hdr_z', 'other', 'x_hdr_'];
const key = (): string => KEYS[rnd(KEYS.length)]!;

function randomOp(c: Collection, log: string[]): void {
  const k = key();
  const v = String(rnd(100));
  switch (rnd(7)) {
    case 0: c.add(k, v); log.push(`add ${k}=${v}`); break;
    case 1: c.addLower(k, k.toLowerCase(), v); log.push(`addLower ${k}=${v}`); break;
    case 2: case 3: c.set(k, v); log.push(`set ${k}=${v}`); break;
    case 4: c.setLower(k.toLowerCase(), k.toLowerCase(), v); log.push(`setLower ${k}=${v}`); break;
    case 5: c.delete(k.toLowerCase()); log.push(`delete ${k}`); break;
    default: if (rnd(8) === 0) { c.clear(); log.push('clear'); } break;
  }
}

function view(c: Collection): string {
  const out: unknown[] = [c.entries(), c.size, c.snapshot()];
  for (const k of KEYS) out.push(c.first(k.toLowerCase()) ?? null, c.get(k.toLowerCase()));
  for (const sel of ['^hdr_', 'hdr_', '^a', 'x']) out.push(c.select(compileKeySelector(sel)));
  out.push(c.select(compileKeySelector('^(a|b)$')));
  return JSON.stringify(out);
}

test('a collection over an adopted base reads exactly like one holding a copy, through any sequence of writes (random)', () => {
  for (let round = 0; round < 400; round++) {
    const src = new Collection();
    const base: string[] = [];
    for (let i = rnd(10); i > 0; i--) randomOp(src, base);
    const frozen = src.freeze();
    const before = JSON.stringify(frozen.flat);
    const over = new Collection();
    over.adopt(frozen);
    const ref = new Collection();
    ref.restore(src.snapshot());
    const log: string[] = [];
    assert.equal(view(over), view(ref), `round ${round}: base ${base.join('; ')}`);
    for (let i = rnd(14); i > 0; i--) {
      const n = log.length;
      randomOp(ref, log);
      // the same operation again on the overlay (randomOp is replayed from the log entry)
      replay(over, log[n]);
      assert.equal(view(over), view(ref), `round ${round}: base ${base.join('; ')} then ${log.join('; ')}`);
    }
    assert.equal(JSON.stringify(frozen.flat), before, `round ${round}: the frozen contents did not change`);
  }
});

function replay(c: Collection, op: string | undefined): void {
  if (op === undefined) return;
  if (op === 'clear') { c.clear(); return; }
  const [verb, rest] = op.split(' ') as [string, string];
  const [k, v] = rest.split('=') as [string, string];
  if (verb === 'add') c.add(k, v);
  else if (verb === 'addLower') c.addLower(k, k.toLowerCase(), v);
  else if (verb === 'set') c.set(k, v);
  else if (verb === 'setLower') c.setLower(k.toLowerCase(), k.toLowerCase(), v);
  else if (verb === 'delete') c.delete(k.toLowerCase());
}

test('names(): the keys as values, following every change of the keys (kept while only values change)', () => {
  const c = new Collection();
  const names = (): string[] => c.names().map((e) => `${e.key}=${e.value}`);
  assert.deepEqual(names(), []);
  c.add('Host', 'a');
  assert.deepEqual(names(), ['Host=Host']);
  c.add('Accept', 'b');
  c.add('host', 'c');
  assert.deepEqual(names(), ['Host=Host', 'host=host', 'Accept=Accept']);
  const before = c.names();
  c.set('Accept', 'changed');
  assert.equal(c.names(), before, 'a value set in place keeps the list');
  c.delete('host');
  assert.deepEqual(names(), ['Accept=Accept']);
  const other = new Collection();
  other.add('X-Id', '1');
  c.adopt(other.freeze());
  assert.deepEqual(names(), ['X-Id=X-Id']);
  c.clear();
  assert.deepEqual(names(), []);
});
