// End-to-end test of the token management page (examples/web) in headless
// Chromium (Debian's /usr/bin/chromium), driven by playwright-core.
// tests/web/web_ui.sh starts the server with a fresh database and two
// users, then runs this file with:
//   WEB_CHROMIUM /usr/bin/chromium
//   WEB_URL     http://127.0.0.1:PORT
//   WEB_DB      the database file (read with the sqlite3 shell and pat)
//   WEB_EXT     dist/pat, to load in that shell
//   WEB_USERS   how to run examples/python/users.py on that database
//   WEB_PROFILE a fresh, empty Chromium profile directory
//   WEB_SHOTS   where the screenshots go
//   WEB_AUTHOR / WEB_AUTHOR_PW, WEB_ROOT / WEB_ROOT_PW   the two users
// Each check prints "ok   ..." or "FAIL ...: why"; the steps build on each
// other, so the first failure ends the run. Last line: "ui.test.js: N passed, M failed".
'use strict';
const { chromium } = require('playwright-core');
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const env = (name) => {
  if (!process.env[name]) throw new Error(`${name} is not set: run make test-browser`);
  return process.env[name];
};
const URL_ = env('WEB_URL');
const DB = env('WEB_DB');
const EXT = env('WEB_EXT');
const SHOTS = env('WEB_SHOTS');
const AUTHOR = env('WEB_AUTHOR');
const AUTHOR_PW = env('WEB_AUTHOR_PW');
const ROOT = env('WEB_ROOT');
const ROOT_PW = env('WEB_ROOT_PW');
const TZ = 'Asia/Kolkata'; // UTC+05:30 all year: the page must convert to and from UTC
const TZ_OFFSET_MIN = 330;
const TOKEN_RE = /pat_[A-Za-z0-9]{38}/;

let passed = 0;
let failed = 0;
async function step(name, fn) {
  try {
    await fn();
    passed += 1;
    console.log(`ok   ${name}`);
  } catch (err) {
    failed += 1;
    console.log(`FAIL ${name}: ${err && err.stack ? err.stack.split('\n').slice(0, 3).join(' | ') : err}`);
    throw new Stop();
  }
}
class Stop extends Error {}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}
function equal(got, want, what) {
  const g = JSON.stringify(got);
  const w = JSON.stringify(want);
  if (g !== w) throw new Error(`${what}: got ${g}, expected ${w}`);
}

// until(fn, what): fn() is truthy within 5 s
async function until(fn, what, ms = 5000) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e.message; }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${last})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// the database, as pat shows it
function sql(query) {
  const out = execFileSync('sqlite3', ['-json', '-cmd', `.load ${EXT}`, DB, query], { encoding: 'utf8' });
  return out.trim() ? JSON.parse(out) : [];
}
function tokenRow(id) {
  return sql(`SELECT id, owner, name, valid_from, valid_to, rights, status FROM pat_tokens WHERE id = ${Number(id)}`)[0];
}
function users(...args) {
  const [cmd, ...rest] = JSON.parse(env('WEB_USERS'));
  return execFileSync(cmd, [...rest, ...args], { encoding: 'utf8', input: '' });
}

// the JSON API of examples/python, called with a token: its status code
async function callApi(method, route, token, body) {
  const res = await fetch(URL_ + route, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

// times: what a person in TZ types into a datetime-local input, and what pat must store
const MIN = 60000;
const DAY = 86400000;
function roundMinute(ms) { return Math.floor(ms / MIN) * MIN; }
function localInput(utcMs) { return new Date(utcMs + TZ_OFFSET_MIN * MIN).toISOString().slice(0, 16); }
function utcText(utcMs) { return new Date(utcMs).toISOString().slice(0, 19).replace('T', ' '); }

async function main() {
  const context = await chromium.launchPersistentContext(env('WEB_PROFILE'), {
    executablePath: process.env.WEB_CHROMIUM || '/usr/bin/chromium', // Debian's chromium package
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 860 },
    timezoneId: TZ,
    locale: 'en-GB',
    colorScheme: 'light',
    permissions: ['clipboard-read', 'clipboard-write'],
    handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false, // ours, below
  });
  // Stopped from outside (the shell's cleanup, timeout): close the browser, then go.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => {
      console.log(`FAIL stopped by ${signal}`);
      setTimeout(() => process.exit(1), 5000).unref();
      context.close().catch(() => {}).finally(() => process.exit(1));
    });
  }
  const problems = [];
  try {
    const page = context.pages()[0] || await context.newPage();
    page.setDefaultTimeout(10000);
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    // Refusals (4xx answers of the JSON endpoints) are expected here; a page's own file must load.
    page.on('console', (m) => {
      if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) {
        problems.push(`console: ${m.text()}`);
      }
    });
    page.on('response', (r) => {
      if (/\/web\/static\//.test(r.url()) && r.status() !== 200) problems.push(`${r.url()} answered ${r.status()}`);
    });
    await run(context, page, problems);
  } finally {
    await context.close();
  }
}

async function run(context, page, problems) {
  const row = (id) => page.locator(`tr[data-token-id="${id}"]`);
  const cellText = async (id, field) => (await row(id).locator(`[data-field="${field}"]`).innerText()).trim();
  const shot = async (name, options = {}) => {
    await page.screenshot({ path: path.join(SHOTS, name), ...options });
  };
  const now = roundMinute(Date.now());
  let token;
  let tokenId;

  await step('a page without a session sends to the login form', async () => {
    await page.goto(URL_ + '/web/pats');
    await page.waitForURL(/\/web\/login\?next=%2Fweb%2Fpats$/);
  });

  await step('a wrong password is refused on the page', async () => {
    await page.fill('#login-name', AUTHOR);
    await page.fill('#login-password', 'not the password');
    await page.press('#login-password', 'Enter');
    await until(async () => (await page.innerText('#login-error')).includes('Wrong user name or password'), 'the login error');
  });

  await step(`sign in as ${AUTHOR} (AUTHOR) with the keyboard`, async () => {
    await page.fill('#login-password', AUTHOR_PW);
    await page.press('#login-password', 'Enter');
    await page.waitForURL(/\/web\/pats$/);
    await page.locator('h1', { hasText: 'Personal Access Tokens' }).waitFor();
    await until(async () => (await page.innerText('#who-role')) === 'AUTHOR', 'the role badge');
    await page.locator('#empty').waitFor();
    assert(await page.locator('#nav-audit').isHidden(), 'an AUTHOR sees the audit link');
  });

  await step('the session cookie is HttpOnly and SameSite=Strict', async () => {
    const cookies = await context.cookies();
    const c = cookies.find((x) => x.name === 'pat_session');
    assert(c, 'no pat_session cookie');
    equal([c.httpOnly, c.sameSite], [true, 'Strict'], 'cookie flags');
  });

  await step('the create form offers only what AUTHOR may grant, grouped by category', async () => {
    await page.click('[data-action="create"]');
    await page.locator('#create-dialog[open]').waitFor();
    const offered = await page.$$eval('#create-rights input[name=rights]', (els) => els.map((e) => e.value).sort());
    const mayGrant = sql("SELECT \"right\" FROM pat_roles WHERE role = 'AUTHOR' ORDER BY 1").map((r) => r.right);
    equal(offered, mayGrant.sort(), 'rights offered');
    assert(!offered.some((r) => r.startsWith('USER_') || r.startsWith('CONFIG_')), 'USER_* or CONFIG_* offered');
    const categories = await page.$$eval('#create-rights fieldset.category legend', (els) => els.map((e) => e.firstChild.textContent));
    assert(categories.includes('Data Operations') && categories.includes('Media Management'), `categories: ${categories}`);
    assert(!categories.includes('User Management'), 'User Management is offered');
    assert(await page.evaluate(() => document.activeElement.id) === 'create-name', 'focus is not on the name');
  });

  await step('create a token: name, window, one right (screenshot of the form)', async () => {
    await page.keyboard.type('ci pipeline');
    await page.check('#create-DATA_FETCH');
    await page.locator('#create-dialog').screenshot({ path: path.join(SHOTS, 'pats-create.png') });
    await page.click('#create-submit');
    await page.locator('#token-dialog[open]').waitFor();
    token = (await page.innerText('#token-value')).trim();
    assert(TOKEN_RE.test(token) && token.length === 42, `not a token: ${token}`);
    const warning = await page.innerText('#token-warning');
    assert(/will not be shown again/.test(warning), `warning: ${warning}`);
    tokenId = Number(await page.getAttribute('#token-rows tr', 'data-token-id'));
    const stored = tokenRow(tokenId);
    equal([stored.owner, stored.name, stored.rights, stored.status], [AUTHOR, 'ci pipeline', '["DATA_FETCH"]', 'active'], 'pat_tokens row');
  });

  await step('the copy button puts the token on the clipboard (screenshot of the token, shown once)', async () => {
    await page.click('#copy-token');
    await until(async () => (await page.innerText('#copy-status')).includes('Copied'), 'the copy message');
    equal(await page.evaluate(() => navigator.clipboard.readText()), token, 'the clipboard');
    await page.locator('#token-dialog').screenshot({ path: path.join(SHOTS, 'pats-token-once.png') });
  });

  await step('closing the dialog removes the token from the page', async () => {
    await page.click('#token-done');
    await page.locator('#token-dialog').waitFor({ state: 'hidden' });
    // (the dialog's close event, which clears it, comes a moment after the dialog hides)
    await until(async () => !(await page.content()).includes(token), 'the token to leave the page', 2000);
  });

  await step('the API accepts the token for its right (200) and refuses another (403)', async () => {
    equal(await callApi('GET', '/items', token), 200, 'GET /items');
    equal(await callApi('POST', '/items', token, { name: 'x' }), 403, 'POST /items without DATA_CREATE');
  });

  await step('rename it with the pencil control (keyboard: Enter saves)', async () => {
    await row(tokenId).locator('[data-action="edit-name"]').click();
    const input = row(tokenId).locator('form.inline input');
    await input.fill('ci (renamed)');
    await input.press('Enter');
    await until(async () => (await cellText(tokenId, 'name')) === 'ci (renamed)', 'the new name in the list');
    equal(tokenRow(tokenId).name, 'ci (renamed)', 'name in pat_tokens');
    equal(await callApi('GET', '/items', token), 200, 'GET /items after the rename');
  });

  // edit a time in place: the value typed in the page's time zone, UTC in pat
  const editTime = async (field, utcMs) => {
    await row(tokenId).locator(`[data-action="edit-${field}"]`).click();
    const input = row(tokenId).locator('form.inline input');
    await input.fill(localInput(utcMs));
    await input.press('Enter');
  };

  await step('move the start into the future: pending, and the API answers 401', async () => {
    const from = now + 2 * DAY;
    await editTime('valid_from', from);
    await until(async () => (await cellText(tokenId, 'status')) === 'Pending', 'status Pending');
    equal(tokenRow(tokenId).valid_from, utcText(from), 'valid_from in pat_tokens (UTC)');
    equal(await cellText(tokenId, 'valid_from'), localInput(from).replace('T', ' '), 'valid_from shown in local time');
    equal(await callApi('GET', '/items', token), 401, 'GET /items with a pending token');
  });

  await step('move the start back: active, 200 again', async () => {
    await editTime('valid_from', now - 60 * MIN);
    await until(async () => (await cellText(tokenId, 'status')) === 'Active', 'status Active');
    equal(tokenRow(tokenId).valid_from, utcText(now - 60 * MIN), 'valid_from in pat_tokens');
    equal(await callApi('GET', '/items', token), 200, 'GET /items');
  });

  await step('an end before the start: pat refuses, the page says why next to the field', async () => {
    await editTime('valid_to', now - 2 * DAY);
    const error = row(tokenId).locator('[data-field="valid_to"] .error');
    await until(async () => (await error.innerText()).includes('the end must come after the start'), 'the error');
    const raw = await error.locator('.raw').textContent();
    equal(raw, 'pat_tokens: valid_to must be later than valid_from', "pat's own message under Details");
    equal(await row(tokenId).locator('[data-field="valid_to"] input').getAttribute('aria-invalid'), 'true', 'aria-invalid');
    await row(tokenId).locator('[data-field="valid_to"] input').press('Escape');
    await row(tokenId).locator('[data-field="valid_to"] form').waitFor({ state: 'detached' });
  });

  await step('a window longer than max_lifetime: refused, in days', async () => {
    await editTime('valid_to', now + 400 * DAY);
    const error = row(tokenId).locator('[data-field="valid_to"] .error');
    await until(async () => /at most 366 days; this window would be 40\d days long/.test(await error.innerText()), 'the error');
    await row(tokenId).locator('[data-field="valid_to"] button', { hasText: 'Cancel' }).click();
  });

  await step('a new end within the limits is saved', async () => {
    const to = now + 10 * DAY;
    await editTime('valid_to', to);
    await until(async () => (await cellText(tokenId, 'valid_to')) === localInput(to).replace('T', ' '), 'the new end');
    equal(tokenRow(tokenId).valid_to, utcText(to), 'valid_to in pat_tokens');
  });

  await step('the star control adds DATA_CREATE: the API lets the token create (201)', async () => {
    await row(tokenId).locator('[data-action="edit-rights"]').click();
    await page.locator('#rights-dialog[open]').waitFor();
    await page.check('#edit-DATA_CREATE');
    await page.click('#rights-form button[type=submit]');
    await page.locator('#rights-dialog').waitFor({ state: 'hidden' });
    await until(async () => (await cellText(tokenId, 'rights')).includes('DATA_CREATE'), 'the new right in the list');
    equal(tokenRow(tokenId).rights, '["DATA_CREATE","DATA_FETCH"]', 'rights in pat_tokens');
    equal(await callApi('POST', '/items', token, { name: 'made by the token' }), 201, 'POST /items');
  });

  await step('no permission at all is refused next to the permissions', async () => {
    await row(tokenId).locator('[data-action="edit-rights"]').click();
    await page.locator('#rights-dialog[open]').waitFor();
    await page.uncheck('#edit-DATA_CREATE');
    await page.uncheck('#edit-DATA_FETCH');
    await page.click('#rights-form button[type=submit]');
    await until(async () => (await page.innerText('#rights-error')).includes('Choose at least one permission'), 'the error');
    await page.keyboard.press('Escape');
    await page.locator('#rights-dialog').waitFor({ state: 'hidden' });
    equal(tokenRow(tokenId).rights, '["DATA_CREATE","DATA_FETCH"]', 'rights unchanged');
  });

  let fresh;
  await step('regenerate: a new value, shown once; the old one gets 401, the new one 200', async () => {
    await row(tokenId).locator('[data-action="rotate"]').click();
    await page.locator('#rotate-dialog[open]').waitFor();
    await page.click('#rotate-form button[type=submit]');
    await page.locator('#token-dialog[open]').waitFor();
    fresh = (await page.innerText('#token-value')).trim();
    assert(TOKEN_RE.test(fresh) && fresh !== token, `not a new token: ${fresh}`);
    assert((await page.innerText('#token-title')).includes('ci (renamed)'), 'the dialog does not name the token');
    equal(await callApi('GET', '/items', token), 401, 'old value');
    equal(await callApi('GET', '/items', fresh), 200, 'new value');
    await page.keyboard.press('Escape');
    await page.locator('#token-dialog').waitFor({ state: 'hidden' });
  });

  await step('a reload, or leaving and coming back, never shows a token again', async () => {
    await page.reload();
    await row(tokenId).waitFor();
    let html = await page.content();
    assert(!html.includes(token) && !html.includes(fresh) && !TOKEN_RE.test(html), 'a token is in the page after a reload');
    assert(await page.locator('#token-dialog').isHidden(), 'the token dialog is open');
    await page.goto(URL_ + '/web/login');
    await page.goBack();
    await row(tokenId).waitFor();
    html = await page.content();
    assert(!TOKEN_RE.test(html), 'a token is in the page after Back');
  });

  await step('the retired log names the regenerated value the API refused, and counts each try', async () => {
    const entry = () => page.locator(`#retired-rows li.tried[data-token-id="${tokenId}"]`);
    await page.reload();
    await entry().waitFor();
    let text = await entry().innerText();
    assert(text.includes('A regenerated value of “ci (renamed)”') && text.includes('was tried once'),
      `the entry says: ${text}`);
    equal(await callApi('GET', '/items', token), 401, 'the old value, once more');
    await page.reload();
    await entry().waitFor();
    text = await entry().innerText();
    assert(text.includes('was tried 2 times'), `the second try is not counted: ${text}`);
    assert(!TOKEN_RE.test(await page.content()), 'a token is in the retired log');
    await page.locator('#retired').scrollIntoViewIfNeeded();
    await shot('pats-retired.png');
  });

  await step('a right the role can not grant, sent by a crafted form: the page shows the refusal', async () => {
    await page.click('[data-action="create"]');
    await page.locator('#create-dialog[open]').waitFor();
    await page.fill('#create-name', 'sneaky');
    // what someone editing the page could do: add a checkbox the form never offered
    await page.evaluate(() => {
      const box = document.createElement('input');
      Object.assign(box, { type: 'checkbox', name: 'rights', value: 'USER_DELETE', checked: true });
      document.querySelector('#create-rights .categories').append(box);
    });
    await page.click('#create-submit');
    const error = page.locator('#create-rights-error');
    await until(async () => (await error.innerText()).includes('Your role (AUTHOR) can not grant USER_DELETE'), 'the error');
    equal(await error.locator('.raw').textContent(), "pat_create: role 'AUTHOR' may not grant 'USER_DELETE'", "pat's message");
    equal(sql("SELECT count(*) AS n FROM pat_tokens WHERE name = 'sneaky'")[0].n, 0, 'tokens named sneaky');
  });

  await step('a crafted request without the CSRF token is refused (403)', async () => {
    const status = await page.evaluate(async () => (await fetch('/web/api/tokens', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'x', rights: ['DATA_FETCH'] }),
    })).status);
    equal(status, 403, 'POST without X-CSRF-Token');
  });

  await step('create: an end before the start is shown under "Valid to"', async () => {
    await page.evaluate(() => document.querySelector('#create-rights .categories > input')?.remove());
    await page.fill('#create-name', 'deploy bot');
    await page.check('#create-DATA_FETCH');
    await page.fill('#create-from', localInput(now + DAY));
    await page.fill('#create-to', localInput(now));
    await page.click('#create-submit');
    await until(async () => (await page.innerText('#create-to-error')).includes('the end must come after the start'), 'the error');
    equal(await page.getAttribute('#create-to', 'aria-invalid'), 'true', 'aria-invalid on Valid to');
    await page.click('#create-to-error summary'); // pat's own words, under Details
    await page.locator('#create-dialog').screenshot({ path: path.join(SHOTS, 'pats-error.png') });
    await page.click('#create-form [data-close]');
  });

  await step('a role change reaches the API at once (users.py set-role keeps pat_owners in step)', async () => {
    users('set-role', AUTHOR, 'VIEWER');
    equal(sql(`SELECT role FROM pat_owners WHERE owner = '${AUTHOR}'`)[0].role, 'VIEWER', 'pat_owners');
    equal(await callApi('POST', '/items', fresh, { name: 'y' }), 403, 'POST /items as a VIEWER');
    users('set-role', AUTHOR, 'AUTHOR');
    equal(await callApi('POST', '/items', fresh, { name: 'y' }), 201, 'POST /items as an AUTHOR again');
  });

  let second;
  await step('two more tokens, for the list (screenshot of the list, desktop and phone)', async () => {
    for (const [name, rights] of [['nightly backup', ['DATA_FETCH', 'DATA_CREATE', 'DATA_UPDATE', 'DATA_DELETE']],
      ['media uploader', ['MEDIA_FETCH', 'MEDIA_CREATE']]]) {
      await page.click('[data-action="create"]');
      await page.locator('#create-dialog[open]').waitFor();
      await page.fill('#create-name', name);
      for (const r of rights) await page.check(`#create-${r}`);
      await page.click('[data-days="90"]');
      await page.click('#create-submit');
      await page.locator('#token-dialog[open]').waitFor();
      second = second || (await page.innerText('#token-value')).trim();
      await page.click('#token-done');
    }
    equal(await callApi('GET', '/items', second), 200, 'GET /items with the second token');
    await until(async () => (await page.locator('#token-rows tr').count()) === 3, 'three rows');
    const backup = page.locator('#token-rows tr', { hasText: 'nightly backup' }).locator('[data-field="rights"]');
    equal((await backup.innerText()).trim(), 'DATA_*', 'a whole category, shown as one chip');
    await page.waitForTimeout(1700); // let the row highlight fade
    await page.setViewportSize({ width: 1280, height: 520 });
    await shot('pats-list.png');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot('pats-phone.png', { fullPage: true });
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  await step('the trash control asks in a modal, then deletes: the API answers 401', async () => {
    await row(tokenId).locator('[data-action="delete"]').click();
    await page.locator('#delete-dialog[open]').waitFor();
    assert((await page.innerText('#delete-title')).includes('ci (renamed)'), 'the modal does not name the token');
    await page.keyboard.press('Escape'); // Cancel first: nothing happens
    await page.locator('#delete-dialog').waitFor({ state: 'hidden' });
    assert(tokenRow(tokenId), 'deleted on Cancel');
    await row(tokenId).locator('[data-action="delete"]').click();
    await page.click('#delete-form button[type=submit]');
    await row(tokenId).waitFor({ state: 'detached' });
    assert(!tokenRow(tokenId), 'the row is still in pat_tokens');
    equal(await callApi('GET', '/items', fresh), 401, 'GET /items with the deleted token');
  });

  // rights on resources (README, Rights on resources): the example API has a collection per resource
  let scopedId;
  let scoped;
  await step('create a token for one collection: a resource beside its right (screenshot of the form)', async () => {
    await page.click('[data-action="create"]');
    await page.locator('#create-dialog[open]').waitFor();
    await page.fill('#create-name', 'reports reader');
    await page.fill('#create-DATA_FETCH-res', 'collection:reports');
    assert(await page.isChecked('#create-DATA_FETCH'), 'typing a resource does not pick its right');
    await page.locator('#create-dialog').screenshot({ path: path.join(SHOTS, 'pats-create-scoped.png') });
    await page.click('#create-submit');
    await page.locator('#token-dialog[open]').waitFor();
    scoped = (await page.innerText('#token-value')).trim();
    assert(TOKEN_RE.test(scoped), `not a token: ${scoped}`);
    await page.click('#token-done');
    await page.locator('#token-dialog').waitFor({ state: 'hidden' });
    scopedId = Number(await page.locator('#token-rows tr', { hasText: 'reports reader' }).getAttribute('data-token-id'));
    equal(tokenRow(scopedId).rights, '["DATA_FETCH@collection:reports"]', 'rights in pat_tokens');
    equal(await callApi('GET', '/collections/reports/items', scoped), 200, 'GET its collection');
    equal(await callApi('GET', '/collections/sales/items', scoped), 403, 'GET another collection');
    equal(await callApi('GET', '/items', scoped), 403, 'GET every collection');
    const chip = row(scopedId).locator('.chip.scoped');
    equal((await chip.innerText()).trim(), 'DATA_FETCH@collection:reports', 'the scoped chip');
  });

  await step('edit it with the star control: a second collection; a bad resource is refused (screenshot)', async () => {
    await row(scopedId).locator('[data-action="edit-rights"]').click();
    await page.locator('#rights-dialog[open]').waitFor();
    equal(await page.inputValue('#edit-DATA_FETCH-res'), 'collection:reports', 'the resource shown for editing');
    await page.fill('#edit-DATA_FETCH-res', 'collection:reports collection:sa#les');
    await page.click('#rights-form button[type=submit]');
    const error = page.locator('#rights-error');
    await until(async () => (await error.innerText()).includes('may hold only letters'), 'the error');
    equal(tokenRow(scopedId).rights, '["DATA_FETCH@collection:reports"]', 'rights unchanged after the refusal');
    await page.fill('#edit-DATA_FETCH-res', 'collection:reports, collection:sales');
    await page.click('#rights-form button[type=submit]');
    await page.locator('#rights-dialog').waitFor({ state: 'hidden' });
    await until(async () => (await row(scopedId).locator('.chip.scoped').count()) === 2, 'two scoped chips');
    equal(tokenRow(scopedId).rights, '["DATA_FETCH@collection:reports","DATA_FETCH@collection:sales"]', 'rights in pat_tokens');
    equal(await callApi('GET', '/collections/sales/items', scoped), 200, 'GET the second collection');
    equal(await callApi('GET', '/items', scoped), 403, 'GET every collection, still');
    await page.waitForTimeout(1700); // let the row highlight fade
    await page.setViewportSize({ width: 1280, height: 560 });
    await shot('pats-scoped.png');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  // the client context (README, Client context): a description, an allow-list of addresses, the
  // addresses a token was last used from; this test's own calls come from 127.0.0.1
  const newToken = async (name, fill) => {
    await page.click('[data-action="create"]');
    await page.locator('#create-dialog[open]').waitFor();
    await page.fill('#create-name', name);
    await page.check('#create-DATA_FETCH');
    if (fill) await fill();
    await page.click('#create-submit');
    await page.locator('#token-dialog[open]').waitFor();
    const value = (await page.innerText('#token-value')).trim();
    assert(TOKEN_RE.test(value), `not a token: ${value}`);
    await page.click('#token-done');
    await page.locator('#token-dialog').waitFor({ state: 'hidden' });
    const id = Number(await page.locator('#token-rows tr', { hasText: name }).getAttribute('data-token-id'));
    return [id, value];
  };
  const clientRow = (id) => sql(`SELECT description, allowed_ips, last_used_ips FROM pat_tokens WHERE id = ${Number(id)}`)[0];

  await step('create with an allow-list: a block with host bits set is refused under "Allowed addresses"', async () => {
    await page.click('[data-action="create"]');
    await page.locator('#create-dialog[open]').waitFor();
    await page.fill('#create-name', 'office runner');
    await page.fill('#create-description', 'runs the reports, from the office network');
    await page.check('#create-DATA_FETCH');
    await page.fill('#create-ips', '127.0.0.0/8\n10.1.2.3/8');
    await page.click('#create-submit');
    const error = page.locator('#create-ips-error');
    await until(async () => (await error.innerText()).includes('“10.1.2.3/8” has bits set past its prefix'), 'the error');
    equal(await error.locator('.raw').textContent(), "pat_create: allowed_ips entry has host bits set: '10.1.2.3/8'", "pat's message");
    equal(await page.getAttribute('#create-ips', 'aria-invalid'), 'true', 'aria-invalid on Allowed addresses');
    equal(await page.evaluate(() => document.activeElement.id), 'create-ips', 'the focus');
    equal(await page.innerText('#create-name-error'), '', 'an error under the name');
    equal(sql("SELECT count(*) AS n FROM pat_tokens WHERE name = 'office runner'")[0].n, 0, 'tokens named office runner');
  });

  let officeId;
  let office;
  await step('a good allow-list is accepted: pat keeps it canonical, the list shows "Only from" and the description', async () => {
    await page.fill('#create-ips', '127.0.0.0/8\n\n2001:DB8::/32\n');
    await page.click('#create-submit');
    await page.locator('#token-dialog[open]').waitFor();
    office = (await page.innerText('#token-value')).trim();
    assert(TOKEN_RE.test(office), `not a token: ${office}`);
    await page.click('#token-done');
    await page.locator('#token-dialog').waitFor({ state: 'hidden' });
    officeId = Number(await page.locator('#token-rows tr', { hasText: 'office runner' }).getAttribute('data-token-id'));
    equal(clientRow(officeId), {
      description: 'runs the reports, from the office network', allowed_ips: '["127.0.0.0/8","2001:db8::/32"]', last_used_ips: '[]',
    }, 'the client context in pat_tokens');
    equal(await row(officeId).locator('.sub.allowed').innerText(), 'Only from 127.0.0.0/8, 2001:db8::/32', 'the allow-list shown');
    equal(await row(officeId).locator('.sub.description').innerText(), 'runs the reports, from the office network', 'the description shown');
    equal(await cellText(officeId, 'last_used_at'), 'Never', 'last used');
  });

  let vpnId;
  let vpn;
  await step('the Details form: a bad prefix length is refused under "Allowed addresses", 10.0.0.0/8 is saved', async () => {
    [vpnId, vpn] = await newToken('vpn runner');
    equal(await row(vpnId).locator('.sub.allowed').count(), 0, '"Only from" on a token without an allow-list');
    await row(vpnId).locator('[data-action="edit-details"]').click();
    await page.locator('#details-dialog[open]').waitFor();
    assert((await page.innerText('#details-title')).includes('vpn runner'), 'the dialog does not name the token');
    equal(await page.evaluate(() => document.activeElement.id), 'details-description', 'the focus');
    await page.fill('#details-description', 'deploys, through the VPN only');
    await page.fill('#details-ips', '10.0.0.0/33');
    await page.click('#details-form button[type=submit]');
    const error = page.locator('#details-ips-error');
    await until(async () => (await error.innerText()).includes('The prefix length of “10.0.0.0/33” must be from 0 to 32'), 'the error');
    equal(await error.locator('.raw').textContent(), "pat_tokens: allowed_ips entry has a bad prefix length (0 to 32): '10.0.0.0/33'", "pat's message");
    equal(await page.getAttribute('#details-ips', 'aria-invalid'), 'true', 'aria-invalid');
    equal(clientRow(vpnId).allowed_ips, null, 'allowed_ips after the refusal');
    await page.fill('#details-ips', '10.0.0.0/8');
    await page.click('#details-form button[type=submit]');
    await page.locator('#details-dialog').waitFor({ state: 'hidden' });
    await until(async () => (await row(vpnId).locator('.sub.allowed').count()) === 1, '"Only from" in the list');
    equal(await row(vpnId).locator('.sub.allowed').innerText(), 'Only from 10.0.0.0/8', 'the allow-list shown');
    equal(await row(vpnId).locator('.sub.description').innerText(), 'deploys, through the VPN only', 'the description shown');
    equal(clientRow(vpnId), { description: 'deploys, through the VPN only', allowed_ips: '["10.0.0.0/8"]', last_used_ips: '[]' },
      'the client context in pat_tokens');
    equal(await page.evaluate(() => document.activeElement.dataset.action), 'edit-details', 'the focus after saving');
  });

  await step('the API, called from 127.0.0.1: 200 for 127.0.0.0/8, 401 for 10.0.0.0/8; the list shows "Last used from 127.0.0.1"', async () => {
    equal(await callApi('GET', '/items', office), 200, 'GET /items with the token for 127.0.0.0/8');
    equal(await callApi('GET', '/items', vpn), 401, 'GET /items with the token for 10.0.0.0/8');
    equal(clientRow(officeId).last_used_ips, '["127.0.0.1"]', 'last_used_ips of the allowed token');
    equal(clientRow(vpnId).last_used_ips, '[]', 'last_used_ips of the refused token (a refusal is no use)');
    await page.reload();
    await row(officeId).waitFor();
    equal(await row(officeId).locator('.sub.used-from').innerText(), 'Last used from 127.0.0.1', 'the allowed token');
    equal(await row(vpnId).locator('.sub.used-from').count(), 0, '"Last used from" on the refused token');
    equal(await cellText(vpnId, 'last_used_at'), 'Never', 'the refused token, last used');
  });

  await step('an emptied allow-list means any address: the refused token answers 200', async () => {
    await row(vpnId).locator('[data-action="edit-details"]').click();
    await page.locator('#details-dialog[open]').waitFor();
    equal(await page.inputValue('#details-ips'), '10.0.0.0/8', 'the allow-list shown for editing');
    equal(await page.inputValue('#details-description'), 'deploys, through the VPN only', 'the description shown for editing');
    await page.fill('#details-ips', '');
    await page.click('#details-form button[type=submit]');
    await page.locator('#details-dialog').waitFor({ state: 'hidden' });
    await until(async () => (await row(vpnId).locator('.sub.allowed').count()) === 0, '"Only from" to go');
    equal(clientRow(vpnId).allowed_ips, null, 'allowed_ips in pat_tokens');
    equal(await callApi('GET', '/items', vpn), 200, 'GET /items without an allow-list');
  });

  let soonId;
  const soonTo = now + 3 * DAY;
  await step('notices: a token expiring in 3 days and one expired, in plain words at the top (screenshot)', async () => {
    assert(await page.locator('#notices').isHidden(), 'the notices are shown with nothing to say');
    [soonId] = await newToken('release bot', async () => {
      await page.fill('#create-description', 'tags the release, this week only');
      await page.fill('#create-to', localInput(soonTo));
    });
    await page.locator(`#notice-rows li[data-token-id="${soonId}"]`).waitFor(); // the page asks again after a change
    // and one whose window ended yesterday (pat_notices keeps an expiry for notice_before, 7 days)
    sql(`UPDATE pat_tokens SET valid_from = datetime('now', '-3 days'), valid_to = datetime('now', '-1 day') WHERE id = ${scopedId}`);
    equal(sql(`SELECT token_id, kind FROM pat_notices WHERE owner = '${AUTHOR}'`),
      [{ token_id: scopedId, kind: 'expired' }, { token_id: soonId, kind: 'expiring' }], 'pat_notices');
    await page.reload();
    await page.locator('#notices').waitFor();
    const texts = await page.$$eval('#notice-rows li .text', (els) => els.map((e) => e.textContent));
    equal(texts.length, 2, 'the notices shown');
    assert(texts[0].startsWith('Token “reports reader” has expired'), `the first notice: ${texts[0]}`);
    assert(texts[1].startsWith(`Token “release bot” expires on ${localInput(soonTo).replace('T', ' ')}`), `the second notice: ${texts[1]}`);
    equal(await page.getAttribute(`#notice-rows li[data-token-id="${soonId}"] time`, 'title'), `${utcText(soonTo)} UTC`, 'the time in UTC, on hover');
    equal(await page.locator('#notice-rows button', { hasText: 'Mark as read' }).count(), 2, 'the Mark as read buttons');
    await page.setViewportSize({ width: 1280, height: 760 });
    await shot('pats-client.png');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  await step('Mark as read: the notice goes, pat records it, and a reload does not bring it back', async () => {
    const soon = page.locator(`#notice-rows li[data-token-id="${soonId}"]`);
    await soon.locator('[data-action="ack"]').click();
    await soon.waitFor({ state: 'detached' });
    equal(await page.evaluate(() => document.activeElement.closest('li')?.dataset.tokenId), String(scopedId),
      'the focus, on the next notice');
    equal(sql(`SELECT kind FROM pat_notices WHERE owner = '${AUTHOR}'`), [{ kind: 'expired' }], 'pat_notices');
    equal(sql(`SELECT detail FROM pat_events WHERE event = 'notice' AND token_id = ${soonId}`), [{ detail: 'expiring' }], 'the notice event');
    await page.reload();
    await page.locator('#notice-rows li').first().waitFor();
    equal(await page.$$eval('#notice-rows li', (els) => els.map((e) => Number(e.dataset.tokenId))), [scopedId], 'the notices after a reload');
    await page.locator('#notice-rows [data-action="ack"]').click();
    await page.locator('#notices').waitFor({ state: 'hidden' });
    equal(await page.evaluate(() => document.activeElement.id), 'create-open', 'the focus, with no notice left');
    await page.reload();
    await row(soonId).waitFor();
    assert(await page.locator('#notices').isHidden(), 'notices shown after all were read');
    equal(await page.locator('#notice-rows li').count(), 0, 'the notices after a reload');
  });

  await step('the audit view is for ROOT only', async () => {
    const res = await page.goto(URL_ + '/web/audit');
    equal(res.status(), 403, '/web/audit as AUTHOR');
    const status = await page.evaluate(async () => (await fetch('/web/api/events')).status);
    equal(status, 403, '/web/api/events as AUTHOR');
  });

  await step('sign out: the session ends on the server', async () => {
    await page.goto(URL_ + '/web/pats');
    const cookie = (await context.cookies()).find((c) => c.name === 'pat_session').value;
    await page.click('.who button[type=submit]');
    await page.waitForURL(/\/web\/login$/);
    const res = await fetch(URL_ + '/web/api/me', { headers: { Cookie: `pat_session=${cookie}` } });
    equal(res.status, 401, 'the old session cookie');
  });

  await step(`sign in as ${ROOT} (ROOT): the audit view lists the events, filtered by owner and token`, async () => {
    await page.fill('#login-name', ROOT);
    await page.fill('#login-password', ROOT_PW);
    await page.click('#login-submit');
    await page.waitForURL(/\/web\/pats$/);
    await page.locator('#nav-audit').waitFor();
    await page.click('#nav-audit');
    await page.waitForURL(/\/web\/audit$/);
    await page.locator('#event-rows tr').first().waitFor();
    await page.selectOption('#f-owner', AUTHOR);
    await page.click('#filters button[type=submit]');
    await page.waitForURL(new RegExp(`owner=${AUTHOR}`));
    await until(async () => {
      const owners = await page.$$eval('#event-rows tr td:nth-child(5)', (tds) => tds.map((t) => t.textContent));
      return owners.length > 0 && owners.every((o) => o === AUTHOR);
    }, 'only the AUTHOR\'s events');
    await page.fill('#f-token', String(tokenId));
    await page.press('#f-token', 'Enter');
    await until(async () => {
      // The API's checks of the values it stopped (the old value after the
      // regenerate, the value after the delete) are `deny` events too, written
      // whenever the API's connection writes its bookkeeping: the changes are
      // what this step is about.
      const kinds = (await page.$$eval('#event-rows tr td:nth-child(3)', (tds) => tds.map((t) => t.textContent)))
        .filter((k) => k !== 'deny');
      return JSON.stringify(kinds) === JSON.stringify(['delete', 'rotate', 'update', 'update', 'update', 'update', 'update', 'create'])
        ? kinds : null;
    }, 'the events of the first token, newest first');
    const text = await page.innerText('#event-rows');
    assert(text.includes('ci pipeline → ci (renamed)'), 'the rename is not shown');
    assert(!TOKEN_RE.test(await page.content()), 'a token in the audit view');
    await page.fill('#f-token', '');
    await page.selectOption('#f-owner', '');
    await page.click('#filters button[type=submit]');
    await page.waitForURL(/\/web\/audit$/);
    await until(async () => (await page.locator('#event-rows tr').count()) >= 10, 'all events');
    await page.setViewportSize({ width: 1280, height: 720 });
    await shot('audit.png');
  });

  await step('no script error and no blocked resource in the browser', async () => {
    assert(problems.length === 0, problems.join('; '));
  });
}

main().catch((err) => {
  if (!(err instanceof Stop)) {
    failed += 1;
    console.log(`FAIL the browser run: ${err && err.stack ? err.stack.split('\n').slice(0, 4).join(' | ') : err}`);
  }
}).finally(() => {
  console.log(`ui.test.js: ${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
});
