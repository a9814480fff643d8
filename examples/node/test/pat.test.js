// Run with `node --test` in examples/node (after `make` built dist/pat.so).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDb, authenticate, defaultExtPath } from '../pat.js';

let dir;
let db;

const create = (owner, name, rights, from, to) =>
  db.prepare('SELECT pat_create(?, ?, ?, ?, ?)').pluck().get(owner, name, rights, from ?? null, to ?? null);
const row = (id) => db.prepare('SELECT * FROM pat_tokens WHERE id = ?').get(id);

before(() => {
  assert.ok(fs.existsSync(defaultExtPath), `${defaultExtPath} is missing: run make first`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pat-node-'));
  db = openDb(path.join(dir, 'app.db'));
});

after(() => {
  db?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('the extension is loaded', () => {
  const version = db.prepare('SELECT pat_version()').pluck().get();
  assert.match(version, /^\d+\.\d+\.\d+/);
});

test('a Bearer header with the right: 200 and the token id', () => {
  const token = create('alice', 'ci pipeline', 'DATA_FETCH, DATA_CREATE');
  assert.match(token, /^pat_[A-Za-z0-9_]+$/);
  const id = db.prepare('SELECT pat_verify(?)').pluck().get(token);
  assert.equal(typeof id, 'number');
  assert.deepEqual(authenticate(db, `Bearer ${token}`, 'DATA_FETCH'), { status: 200, tokenId: id });
  assert.deepEqual(authenticate(db, `bearer \t${token}\r\n`, 'DATA_CREATE'), { status: 200, tokenId: id });
  assert.deepEqual(authenticate(db, token, 'DATA_FETCH'), { status: 200, tokenId: id });
});

test('a valid token without the right: 403', () => {
  const token = create('alice', 'read only', 'DATA_FETCH');
  const id = db.prepare('SELECT pat_verify(?)').pluck().get(token);
  assert.deepEqual(authenticate(db, `Bearer ${token}`, 'DATA_DELETE'), { status: 403, tokenId: id });
  assert.deepEqual(authenticate(db, `Bearer ${token}`, 'USER_DELETE'), { status: 403, tokenId: id });
});

test('junk and missing headers: 401', () => {
  const token = create('alice', 'junk test', 'DATA_FETCH');
  // one character changed: the checksum no longer matches
  const last = token.at(-1);
  const typo = token.slice(0, -1) + (last === 'A' ? 'B' : 'A');
  for (const header of [
    undefined, null, '', '   ', 'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Bearer junk',
    `Bearer ${typo}`, `Token ${token}`, `Bearer ${token} extra`, 'pat_' + 'A'.repeat(38),
  ]) {
    assert.deepEqual(authenticate(db, header, 'DATA_FETCH'), { status: 401, tokenId: null },
      `header ${JSON.stringify(header)}`);
  }
});

test('an unknown right is an error, not a 403', () => {
  const token = create('alice', 'typo right', 'DATA_FETCH');
  assert.throws(() => authenticate(db, `Bearer ${token}`, 'DATA_FECTH'), /DATA_FECTH/);
});

test('an expired token: 401', () => {
  const token = create('bob', 'old', 'DATA_FETCH', '2020-01-01', '2020-02-01');
  assert.deepEqual(authenticate(db, `Bearer ${token}`, 'DATA_FETCH'), { status: 401, tokenId: null });
  // still listed, as expired
  const r = db.prepare("SELECT status, valid_from, valid_to FROM pat_tokens WHERE name = 'old'").get();
  assert.deepEqual(r, { status: 'expired', valid_from: '2020-01-01 00:00:00', valid_to: '2020-02-01 00:00:00' });
  // an audit question with an explicit time inside the window says yes
  assert.equal(db.prepare("SELECT pat_has_right(?, 'DATA_FETCH', '2020-01-15')").pluck().get(token), 1);
});

test('a deleted token: 401', () => {
  const token = create('bob', 'to delete', 'DATA_FETCH');
  const { status, tokenId } = authenticate(db, `Bearer ${token}`, 'DATA_FETCH');
  assert.equal(status, 200);
  const info = db.prepare('DELETE FROM pat_tokens WHERE id = ?').run(tokenId);
  assert.equal(info.changes, 1);
  assert.equal(row(tokenId), undefined);
  assert.deepEqual(authenticate(db, `Bearer ${token}`, 'DATA_FETCH'), { status: 401, tokenId: null });
});

test('a rotated token: the old one 401, the new one 200 with the same id', () => {
  const old = create('carol', 'to rotate', 'DATA_FETCH');
  const { tokenId } = authenticate(db, `Bearer ${old}`, 'DATA_FETCH');
  // better-sqlite3 binds a JS number as REAL and pat wants an INTEGER id:
  // pass a BigInt (or write CAST(? AS INTEGER) in the SQL).
  const fresh = db.prepare('SELECT pat_rotate(?)').pluck().get(BigInt(tokenId));
  assert.notEqual(fresh, old);
  assert.deepEqual(authenticate(db, `Bearer ${old}`, 'DATA_FETCH'), { status: 401, tokenId: null });
  assert.deepEqual(authenticate(db, `Bearer ${fresh}`, 'DATA_FETCH'), { status: 200, tokenId });
  assert.equal(row(tokenId).name, 'to rotate');
});

test('pat_tokens rows are visible through SELECT, without the token', () => {
  const token = create(42n, 'listed', '["DATA_UPDATE","DATA_FETCH","DATA_FETCH"]');
  const id = db.prepare('SELECT pat_verify(?)').pluck().get(token);
  const r = row(id);
  assert.deepEqual(
    Object.keys(r).sort(),
    ['allowed_ips', 'created_at', 'description', 'id', 'last_used_at', 'last_used_ips', 'name',
     'owner', 'rights', 'status', 'valid_from', 'valid_to'],
  );
  assert.equal(r.owner, '42'); // stored as text: 42 and '42' are one owner
  assert.equal(r.name, 'listed');
  assert.equal(r.status, 'active');
  assert.deepEqual(JSON.parse(r.rights), ['DATA_FETCH', 'DATA_UPDATE']);
  assert.ok(!JSON.stringify(r).includes(token.slice(4)), 'the token text is never shown');
  const names = db.prepare("SELECT name FROM pat_tokens WHERE owner = 'alice' ORDER BY id").pluck().all();
  assert.deepEqual(names, ['ci pipeline', 'read only', 'junk test', 'typo right']);
});

test('a second connection to the same file sees the tokens', () => {
  const token = create('dave', 'shared', 'DATA_FETCH');
  const other = openDb(path.join(dir, 'app.db'));
  try {
    const { status, tokenId } = authenticate(other, `Bearer ${token}`, 'DATA_FETCH');
    assert.equal(status, 200);
    assert.equal(tokenId, db.prepare('SELECT pat_verify(?)').pluck().get(token));
  } finally {
    other.close();
  }
});
