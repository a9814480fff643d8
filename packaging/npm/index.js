'use strict';
// sqlite-pat: the pat SQLite extension for Node.js, as sqlite-vec ships
// its own. load(db) loads it into a better-sqlite3 Database (any object with
// loadExtension(path) will do); getLoadablePath() names the extension for
// any other loader. The package holds the extension built for linux-x64;
// on another platform, build it from the repository (`make` writes
// dist/pat.so on Linux) and pass that path to db.loadExtension yourself.
const fs = require('fs');
const path = require('path');

const PLATFORMS = { 'linux-x64': 'pat.so' };

function getLoadablePath() {
  const key = `${process.platform}-${process.arch}`;
  const file = PLATFORMS[key];
  if (!file) {
    throw new Error(`sqlite-pat ships the extension for ${Object.keys(PLATFORMS).join(', ')}, ` +
      `not ${key}: build it from the pat repository with make, then db.loadExtension(<path>)`);
  }
  const full = path.join(__dirname, 'lib', key, file);
  if (!fs.existsSync(full)) throw new Error(`sqlite-pat: ${full} is missing from the package`);
  return full;
}

function load(db) {
  db.loadExtension(getLoadablePath());
}

module.exports = { load, getLoadablePath };
