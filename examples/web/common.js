// What every page of the pat example shares: calls to the server's JSON
// endpoints (with the session's CSRF token on every change), building DOM
// nodes without innerHTML, icons, times, and errors shown next to a field.

let csrf = '';

export class ApiError extends Error {
  constructor(status, body) {
    super(body && body.message ? body.message : `the server answered ${status}`);
    this.status = status;
    this.field = body && body.field;    // the form field pat's refusal is about
    this.detail = body && body.detail;  // pat's own message
  }
}

// api('PATCH', '/web/api/tokens/3', {name: 'x'}): the answer's JSON, or an ApiError.
// A 401 means the session is gone: back to the login form.
export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-CSRF-Token'] = csrf;
  let response;
  try {
    response = await fetch(path, {
      method, headers, credentials: 'same-origin', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, { message: 'The server can not be reached. Check your connection and try again.' });
  }
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (response.status === 401 && path !== '/web/api/login') {
    location.assign('/web/login?next=' + encodeURIComponent(location.pathname + location.search));
    throw new ApiError(401, data);
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// h('p', {class: 'x', onclick: f}, 'text', node, ...): an element; text is always text.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

const ICONS = {
  key: ['M21 2l-2 2m-7.6 7.6a5.5 5.5 0 1 1-7.8 7.8 5.5 5.5 0 0 1 7.8-7.8zm0 0L15.5 7.5m0 0l3 3L22 7l-3-3m-3.5 3.5L19 4'],
  pencil: ['M12 20h9', 'M16.5 3.5a2.12 2.12 0 0 1 3 3L7 19l-4 1 1-4z'],
  star: ['M12 2l3.09 6.26L22 9.27l-5 4.87 1.18 6.88L12 17.77l-6.18 3.25L7 14.14 2 9.27l6.91-1.01z'],
  trash: ['M3 6h18', 'M19 6l-1 14a2 2 0 0 1-2 2H8a2 2 0 0 1-2-2L5 6', 'M10 11v6', 'M14 11v6', 'M9 6V4a1 1 0 0 1 1-1h4a1 1 0 0 1 1 1v2'],
  rotate: ['M23 4v6h-6', 'M1 20v-6h6', 'M3.5 9a9 9 0 0 1 14.9-3.4L23 10', 'M1 14l4.6 4.4A9 9 0 0 0 20.5 15'],
  copy: ['M9 9h11a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2h-9a2 2 0 0 1-2-2z', 'M5 15H4a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2h9a2 2 0 0 1 2 2v1'],
  plus: ['M12 5v14', 'M5 12h14'],
  alert: ['M10.3 3.9L1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z', 'M12 9v4', 'M12 17h.01'],
  x: ['M18 6L6 18', 'M6 6l12 12'],
  check: ['M20 6L9 17l-5-5'],
  sliders: ['M4 21v-7', 'M4 10V3', 'M12 21v-9', 'M12 8V3', 'M20 21v-5', 'M20 12V3', 'M1 14h6', 'M9 8h6', 'M17 16h6'],
};

export function icon(name) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', 'i');
  svg.setAttribute('aria-hidden', 'true');
  for (const d of ICONS[name]) {
    const path = document.createElementNS(ns, 'path');
    path.setAttribute('d', d);
    svg.append(path);
  }
  return svg;
}

// ---- times: the server speaks UTC 'YYYY-MM-DD HH:MM:SS'; people see their own time zone.
const pad = (n) => String(n).padStart(2, '0');

export function parseUtc(text) {
  return text ? new Date(text.replace(' ', 'T') + 'Z') : null;
}

// '2026-11-27 19:05' in the browser's time zone
export function showTime(text) {
  const d = parseUtc(text);
  if (!d || isNaN(d)) return text || '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// the value of an <input type="datetime-local"> for a Date
export function localInput(d) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// an <input type="datetime-local">'s value (local time) as UTC text pat reads;
// '' stays '' (the caller sends null: pat's default)
export function toUtc(value) {
  if (!value) return '';
  const d = new Date(value);
  if (isNaN(d)) return value; // let pat say what is wrong with it
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function timeZone() {
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time'; } catch (e) { return 'local time'; }
}

export function duration(seconds) {
  const days = Math.floor(seconds / 86400);
  if (days >= 1) return `${days} day${days === 1 ? '' : 's'}`;
  const hours = Math.floor(seconds / 3600);
  return `${hours} hour${hours === 1 ? '' : 's'}`;
}

// ---- errors next to the field they are about
// showError(errorElement, err, input): the plain words, and pat's own message under "Details".
export function showError(el, err, input) {
  el.replaceChildren();
  if (!err) {
    if (input) input.removeAttribute('aria-invalid');
    return;
  }
  const children = [icon('alert'), h('span', {}, h('span', { class: 'msg' }, err.message))];
  if (err.detail && err.detail !== err.message) {
    children[1].append(' ', h('details', {}, h('summary', {}, 'Details'), h('code', { class: 'raw' }, err.detail)));
  }
  el.append(...children);
  if (input) input.setAttribute('aria-invalid', 'true');
}

export function clearErrors(root) {
  for (const el of root.querySelectorAll('.error')) el.replaceChildren();
  for (const el of root.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

let noticeTimer;
export function notice(text) {
  const el = document.getElementById('notice');
  el.textContent = text;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => { el.textContent = ''; }, 4000);
}

// The bar at the top: who is signed in, the audit link for ROOT, sign out.
// Returns the user ({name, role, csrf, max_lifetime, default_lifetime}).
export async function start() {
  const me = await api('GET', '/web/api/me');
  csrf = me.csrf;
  document.getElementById('who-name').textContent = me.name;
  document.getElementById('who-role').textContent = me.role;
  document.getElementById('logout-csrf').value = me.csrf;
  if (me.role === 'ROOT') document.getElementById('nav-audit').hidden = false;
  return me;
}
