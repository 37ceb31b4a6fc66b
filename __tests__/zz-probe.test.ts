import { it, expect } from '@jest/globals';
import { splitStatements } from '../src/engine/split.js';
it('splits', async () => {
  const s = await splitStatements("create table a(x int); select 'a;b'; create function f() returns int language sql as $$ select 1; $$;\n-- c\ninsert into x values (1)");
  console.log(JSON.stringify(s));
  expect(s.length).toBe(4);
});
