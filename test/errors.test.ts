import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeliosError, sqlSyntax, constraintError } from '../src/errors.js';

test('errors survive the trip through plain data (as across a ring)', () => {
  const e = sqlSyntax('near "FORM": syntax error at offset 9', 9);
  const back = HeliosError.fromData(JSON.parse(JSON.stringify(e.toData())));
  assert.equal(back.code, 'SQL_SYNTAX');
  assert.equal(back.offset, 9);
  assert.equal(back.message, e.message);
  const c = HeliosError.fromData(constraintError('unique', 'UNIQUE constraint failed: t.a').toData());
  assert.equal(c.constraint, 'unique');
  assert.equal(c.retryable, false);
  assert.equal(new HeliosError('SERIALIZATION_FAILURE', 'x').retryable, true);
});

test('foreign throwables become INTERNAL', () => {
  assert.equal(HeliosError.from(new TypeError('boom')).code, 'INTERNAL');
  assert.equal(HeliosError.from('str').message, 'str');
});
