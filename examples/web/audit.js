// The audit view (ROOT only): the latest pat_events, filtered by token, owner
// and kind of event. The filters live in the address, so a filtered view can
// be bookmarked or shared, and Back goes to the previous filter.
import { api, h, start, showTime, timeZone } from './common.js';

const $ = (id) => document.getElementById(id);
const form = $('filters');
const FIELDS = ['token', 'owner', 'event', 'limit'];

// {"name":["a","b"],"rights":[[...],[...]]} -> "name: a → b", "rights: ... → ..."
function detail(event, text) {
  let data;
  try { data = JSON.parse(text); } catch (e) { return text || ''; }
  if (!data || typeof data !== 'object') return String(data);
  const show = (v) => (Array.isArray(v) ? v.join(', ') : v === null ? '—' : /^\d{4}-/.test(String(v)) ? `${showTime(v)}` : String(v));
  return Object.entries(data).map(([key, value]) => h('div', {},
    h('span', { class: 'k' }, `${key.replace('_', ' ')}: `),
    event === 'update' && Array.isArray(value) && value.length === 2 ? `${show(value[0])} → ${show(value[1])}` : show(value)));
}

function filterLink(text, key, value, label) {
  return h('a', {
    href: `?${key}=${encodeURIComponent(value)}`, title: label,
    onclick: (e) => { e.preventDefault(); form.elements[key].value = value; apply(true); },
  }, text);
}

async function load() {
  const params = new URLSearchParams(location.search);
  for (const key of FIELDS) if (params.has(key)) form.elements[key].value = params.get(key);
  const query = new URLSearchParams();
  for (const key of FIELDS) if (form.elements[key].value) query.set(key, form.elements[key].value);
  const { events, owners } = await api('GET', '/web/api/events?' + query);

  const select = $('f-owner');
  const chosen = params.get('owner') || '';
  select.replaceChildren(h('option', { value: '' }, 'Everyone'),
    ...[...new Set([...owners, chosen].filter(Boolean))].map((o) => h('option', { value: o }, o)));
  select.value = chosen;

  $('event-rows').replaceChildren(...events.map((e) => h('tr', { 'data-event-id': e.id },
    h('td', { class: 'id', 'data-label': '#' }, e.id),
    h('td', { class: 'time', 'data-label': 'When', title: `${e.at} UTC` }, showTime(e.at)),
    h('td', { 'data-label': 'Event' }, h('span', { class: `event ${e.event}` }, e.event)),
    h('td', { 'data-label': 'Token' }, filterLink(`#${e.token_id}`, 'token', String(e.token_id), 'Only this token'),
      ' ', e.token_name),
    h('td', { 'data-label': 'Owner' }, filterLink(e.owner, 'owner', e.owner, 'Only this owner')),
    h('td', { class: 'detail', 'data-label': 'Detail' }, detail(e.event, e.detail)),
  )));
  $('empty').hidden = events.length > 0;
  $('events').hidden = events.length === 0;
  $('count').textContent = `${events.length} event${events.length === 1 ? '' : 's'} shown`
    + (events.length >= Number(form.elements.limit.value) ? ' (the latest only: raise “Show” or narrow the filter)' : '') + '.';
}

function apply(push) {
  const query = new URLSearchParams();
  for (const key of FIELDS) {
    const v = form.elements[key].value.trim();
    if (v && !(key === 'limit' && v === '100')) query.set(key, v);
  }
  const url = location.pathname + (query.toString() ? `?${query}` : '');
  if (push) history.pushState(null, '', url);
  load().catch(fail);
}

function fail(err) {
  if (err.status === 401) return;
  $('count').textContent = `The events could not be loaded: ${err.message}`;
}

async function main() {
  await start();
  $('tz-hint').textContent = `Times are shown in your time zone (${timeZone()}); hover a time to see it in UTC.`;
  form.addEventListener('submit', (e) => { e.preventDefault(); apply(true); });
  $('f-clear').addEventListener('click', () => { form.reset(); apply(true); });
  addEventListener('popstate', () => { form.reset(); load().catch(fail); });
  await load();
}

main().catch(fail);
