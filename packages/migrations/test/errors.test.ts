// The error catalogue: isMigrationError recognises the error by code, so one from another copy of
// the package (or a plain object from a worker) still matches, and a foreign code never does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMigrationError, MIGRATION_ERROR_CODES, MigrationError } from '../src/index.ts';

test('every MigrationError carries a catalogue code, matched by the guard with or without a code', () => {
  for (const code of Object.keys(MIGRATION_ERROR_CODES) as (keyof typeof MIGRATION_ERROR_CODES)[]) {
    const error = new MigrationError(code, 'x');
    assert.ok(isMigrationError(error) && isMigrationError(error, code), code);
  }
  assert.equal(
    isMigrationError(new MigrationError('MIGRATION_FAILED', 'x'), 'MIGRATION_CHECKSUM_MISMATCH'),
    false,
  );
});

test('a plain object from another copy of the package is recognised by its code', () => {
  const copy = { name: 'MigrationError', message: '004_broken.sql failed', code: 'MIGRATION_FAILED' };
  assert.ok(isMigrationError(copy, 'MIGRATION_FAILED'));
});

test('a foreign code, a missing message and non-objects are refused', () => {
  assert.equal(isMigrationError({ name: 'error', message: 'relation does not exist', code: '42P01' }), false);
  assert.equal(isMigrationError({ name: 'Error', message: 'x', code: 'toString' }), false);
  assert.equal(isMigrationError({ code: 'MIGRATION_FAILED' }), false);
  for (const value of [null, undefined, 'MIGRATION_FAILED']) assert.equal(isMigrationError(value), false);
});
