// Authenticate a request with the pat SQLite extension from Node.js.
//
//   import { openDb, authenticate } from './pat.js';
//   const db = openDb('app.db');                 // loads <repo>/dist/pat.so
//   const { status, tokenId } = authenticate(db, req.headers.authorization, 'DATA_FETCH');
//   // status 401: no valid token; 403: valid token without the right; 200: go on
import Database from 'better-sqlite3';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

// dist/pat.so of this repository (make builds it). better-sqlite3 passes the
// path to sqlite3_load_extension, which also tries it with the platform's
// suffix added, so './dist/pat' works as well.
export const defaultExtPath = path.resolve(here, '..', '..', 'dist', 'pat.so');

// The checks are prepared once per connection, not once per request.
const checks = new WeakMap();

function statements(db) {
  let s = checks.get(db);
  if (!s) {
    s = {
      verify: db.prepare('SELECT pat_verify(?)').pluck(),
      hasRight: db.prepare('SELECT pat_has_right(?, ?)').pluck(),
    };
    checks.set(db, s);
  }
  return s;
}

// Opens a database (a file name, or ':memory:') and loads pat into it.
export function openDb(file, extPath = defaultExtPath) {
  const db = new Database(file);
  try {
    db.loadExtension(extPath);
    statements(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

// authorizationHeader: the whole header value ("Bearer pat_..."), a bare
// token, or undefined/null when the request had none.
// right: the right the endpoint needs, a name from pat_rights.
// Returns { status: 200 | 401 | 403, tokenId } (tokenId null on 401).
export function authenticate(db, authorizationHeader, right) {
  const { verify, hasRight } = statements(db);
  // pat_verify answers NULL for anything that is not a valid token (any
  // type, NULL included) and never raises, so the header goes in as it is.
  const header = typeof authorizationHeader === 'string' ? authorizationHeader : null;
  const tokenId = verify.get(header);
  if (tokenId === null || tokenId === undefined) return { status: 401, tokenId: null };
  // A right name that is not in the catalog is an SQL error: a bug in the
  // caller, not a 403, so it is left to throw.
  const allowed = hasRight.get(header, right);
  return { status: allowed === 1 ? 200 : 403, tokenId };
}
