// The token management page: the signed-in user's tokens, and every change to
// them. Each change is one call to the server, which makes it through pat
// (pat_create, UPDATE or DELETE on pat_tokens, pat_rotate); a refusal comes
// back with the field it is about and plain words, shown next to that field.
//
// A token's value arrives in the answer to the call that made it, is shown in
// the "shown once" dialog, and is removed from the page when that dialog
// closes or the page is left. Nothing stores it: a reload can not show it.
import {
  api, h, icon, start, showTime, parseUtc, localInput, toUtc, timeZone, duration,
  showError, clearErrors, notice,
} from './common.js';

const $ = (id) => document.getElementById(id);
let me;            // {name, role, csrf, max_lifetime, default_lifetime}
let catalog = [];  // [{name: category, rights: [{name, description, grantable}]}]
let tokens = [];   // rows of pat_tokens, newest first

const STATUS = {
  active: ['Active', 'Valid now: the API accepts it.'],
  pending: ['Pending', 'Not valid yet: its window starts in the future.'],
  expired: ['Expired', 'Its window has ended: the API refuses it.'],
  idle: ['Idle', 'Unused for too long: the API refuses it. Regenerate it, or move its start, to wake it.'],
};

function grantable() {
  return new Set(catalog.flatMap((c) => c.rights.filter((r) => r.grantable).map((r) => r.name)));
}

// ---- addresses (README, Client context) ------------------------------------------------
// The allow-list box: one address or block per line (commas work too); blank lines are dropped.
function addressLines(text) {
  return text.split(/[\r\n,]+/).map((a) => a.trim()).filter(Boolean);
}

// "10.0.0.1, 192.0.2.7 and 3 more": a long list shortened; the whole list is in the title.
function someAddresses(list, most = 3) {
  return list.length <= most ? list.join(', ') : `${list.slice(0, most).join(', ')} and ${list.length - most} more`;
}

// ---- the list -----------------------------------------------------------------
function render() {
  $('loading').hidden = true;
  $('token-rows').replaceChildren(...tokens.map(row));
  $('empty').hidden = tokens.length > 0;
  $('tokens').hidden = tokens.length === 0;
}

function replaceRow(t, focusAction) {
  const old = document.querySelector(`tr[data-token-id="${t.id}"]`);
  const fresh = row(t);
  if (old) old.replaceWith(fresh); else render();
  fresh.classList.add('flash');
  if (focusAction) fresh.querySelector(`[data-action="${focusAction}"]`)?.focus();
}

function editButton(t, field, label) {
  return h('button', {
    type: 'button', class: 'icon', 'data-action': `edit-${field}`,
    'aria-label': `Edit the ${label} of “${t.name}”`, title: `Edit ${label}`,
    onclick: (e) => editInPlace(t, field, label, e.currentTarget.closest('td')),
  }, icon('pencil'));
}

// A token's entries by right: name -> [] (the right everywhere) or the
// resources it is limited to (README, Rights on resources).
function entriesByRight(list) {
  const by = new Map();
  for (const e of list) {
    const at = e.indexOf('@');
    const name = at < 0 ? e : e.slice(0, at);
    if (at < 0) by.set(name, []);
    else if (!by.has(name)) by.set(name, [e.slice(at + 1)]);
    else if (by.get(name).length > 0) by.get(name).push(e.slice(at + 1));
  }
  return by;
}

function scopedChip(name, res, description, lost) {
  return h('span', {
    class: lost ? 'chip scoped lost' : 'chip scoped',
    title: lost ? 'Your role no longer grants this permission: the token can not use it'
      : `${description || name}, on ${res} only`,
  }, name, h('span', { class: 'res' }, `@${res}`));
}

function rightsChips(t) {
  const by = entriesByRight(t.rights);
  const held = new Set([...by].filter(([, res]) => res.length === 0).map(([n]) => n));
  const mayGrant = grantable();
  const chips = [];
  const known = new Set(catalog.flatMap((c) => c.rights.map((r) => r.name)));
  for (const category of catalog) {
    const names = category.rights.map((r) => r.name);
    const mine = names.filter((n) => held.has(n));
    const prefix = names[0] ? names[0].split('_')[0] : '';
    const whole = mine.length === names.length && names.length > 1 && names.every((n) => n.startsWith(prefix + '_'))
      && mine.every((n) => mayGrant.has(n));
    names.forEach((n) => held.delete(n));
    if (whole) {
      chips.push(h('span', { class: 'chip', title: `All of ${category.name}: ${mine.join(', ')}` }, `${prefix}_*`));
      continue;
    }
    for (const n of mine) {
      chips.push(mayGrant.has(n)
        ? h('span', { class: 'chip', title: category.rights.find((r) => r.name === n).description }, n)
        : h('span', { class: 'chip lost', title: 'Your role no longer grants this permission: the token can not use it' }, n));
    }
  }
  for (const n of held) chips.push(h('span', { class: 'chip lost', title: 'Not in the catalog any more' }, n));
  // rights held on resources only: shown apart, one chip per resource
  for (const category of catalog) {
    for (const r of category.rights) {
      for (const res of by.get(r.name) || []) chips.push(scopedChip(r.name, res, r.description, !mayGrant.has(r.name)));
    }
  }
  for (const [n, res] of by) {
    if (!known.has(n)) for (const x of res) chips.push(scopedChip(n, x, '', true));
  }
  return h('span', { class: 'chips' }, chips);
}

function row(t) {
  const [label, why] = STATUS[t.status] || [t.status, ''];
  const allowed = t.allowed_ips || [];
  const usedFrom = t.last_used_ips || [];
  return h('tr', { 'data-token-id': t.id },
    h('td', { class: 'name', 'data-label': 'Name', 'data-field': 'name' },
      h('div', { class: 'stack' },
        h('div', { class: 'cell' }, h('span', { class: 'value' }, t.name), editButton(t, 'name', 'name')),
        t.description ? h('p', { class: 'sub description', title: t.description }, t.description) : null,
        allowed.length ? h('p', {
          class: 'sub allowed', title: `The API accepts this token only from: ${allowed.join(', ')}`,
        }, `Only from ${someAddresses(allowed)}`) : null)),
    h('td', { class: 'id', 'data-label': 'ID', 'data-field': 'id' }, h('div', { class: 'cell' }, `#${t.id}`)),
    h('td', { 'data-label': 'Valid from', 'data-field': 'valid_from' },
      h('div', { class: 'cell' }, h('span', { class: 'value time', title: `${t.valid_from} UTC` }, showTime(t.valid_from)),
        editButton(t, 'valid_from', 'start of validity'))),
    h('td', { 'data-label': 'Valid until', 'data-field': 'valid_to' },
      h('div', { class: 'cell' }, h('span', { class: 'value time', title: `${t.valid_to} UTC` }, showTime(t.valid_to)),
        editButton(t, 'valid_to', 'end of validity'))),
    h('td', { 'data-label': 'Rights', 'data-field': 'rights' },
      h('div', { class: 'cell' }, rightsChips(t),
        h('button', {
          type: 'button', class: 'icon star', 'data-action': 'edit-rights',
          'aria-label': `Edit the permissions of “${t.name}”`, title: 'Edit permissions',
          onclick: () => openRights(t),
        }, icon('star')))),
    h('td', { 'data-label': 'Status', 'data-field': 'status' },
      h('div', { class: 'cell' }, h('span', { class: `status ${t.status}`, title: why }, label))),
    h('td', { 'data-label': 'Last used', 'data-field': 'last_used_at' },
      h('div', { class: 'stack' },
        h('div', { class: 'cell' }, t.last_used_at
          ? h('span', { class: 'time', title: `${t.last_used_at} UTC` }, showTime(t.last_used_at))
          : h('span', { class: 'muted' }, 'Never')),
        usedFrom.length ? h('p', {
          class: 'sub used-from', title: `The addresses it was last used from, latest first: ${usedFrom.join(', ')}`,
        }, `Last used from ${someAddresses(usedFrom)}`) : null)),
    h('td', { class: 'actions', 'data-label': 'Actions' },
      h('div', { class: 'cell' },
        h('button', {
          type: 'button', class: 'small details', 'data-action': 'edit-details',
          title: 'Edit the description and the addresses it may be used from',
          'aria-label': `Details of “${t.name}”: its description and allowed addresses`, onclick: () => openDetails(t),
        }, icon('sliders'), h('span', { class: 'label' }, 'Details')),
        h('button', {
          type: 'button', class: 'small rotate', 'data-action': 'rotate', title: 'Regenerate: give this token a new value',
          'aria-label': `Regenerate “${t.name}”`, onclick: () => openRotate(t),
        }, icon('rotate'), h('span', { class: 'label' }, 'Regenerate')),
        h('button', {
          type: 'button', class: 'icon trash', 'data-action': 'delete',
          'aria-label': `Delete “${t.name}”`, title: 'Delete', onclick: () => openDelete(t),
        }, icon('trash')))),
  );
}

// ---- the pencil controls: edit one field in place ---------------------------------
function editInPlace(t, field, label, td) {
  const isTime = field !== 'name';
  const errorId = `edit-${t.id}-${field}-error`;
  const input = h('input', {
    type: isTime ? 'datetime-local' : 'text', name: field, 'aria-label': `New ${label} of “${t.name}”`,
    'aria-describedby': errorId, autocomplete: 'off', maxlength: isTime ? null : 255,
  });
  input.value = isTime ? localInput(parseUtc(t[field])) : t.name;
  const error = h('p', { class: 'error', id: errorId, role: 'alert' });
  const cancel = () => replaceRow(t, `edit-${field}`);
  const form = h('form', {
    class: 'inline', 'data-editing': field, novalidate: true,
    onsubmit: async (e) => {
      e.preventDefault();
      const save = form.querySelector('button[type=submit]');
      save.disabled = true;
      const value = isTime ? (toUtc(input.value) || null) : input.value;
      try {
        const { row: fresh } = await api('PATCH', `/web/api/tokens/${t.id}`, { [field]: value });
        tokens = tokens.map((x) => (x.id === t.id ? fresh : x));
        replaceRow(fresh, `edit-${field}`);
        notice(field === 'name' ? `Renamed to “${fresh.name}”.` : `The ${label} of “${fresh.name}” is changed.`);
        loadNotices();
      } catch (err) {
        save.disabled = false;
        showError(error, err, input);
        input.focus();
      }
    },
    onkeydown: (e) => { if (e.key === 'Escape') { e.preventDefault(); cancel(); } },
  },
  input,
  h('button', { type: 'submit', class: 'primary small' }, 'Save'),
  h('button', { type: 'button', class: 'small', onclick: cancel }, 'Cancel'),
  error);
  td.replaceChildren(form);
  input.focus();
  if (!isTime) input.select();
}

// ---- permissions, grouped by category -------------------------------------------------
// Only what the role may grant, plus (when editing) rights the token holds that
// the role no longer grants, so that they can be taken away.
// Each right may be limited to resources: the text box beside it takes them,
// separated by commas or spaces (blank: everywhere).
function renderPicker(fieldset, entries, idPrefix) {
  const mayGrant = grantable();
  const selected = entriesByRight(entries);
  const groups = [];
  for (const category of catalog) {
    const rights = category.rights.filter((r) => r.grantable || selected.has(r.name));
    if (rights.length === 0) continue;
    const boxes = rights.map((r) => {
      const id = `${idPrefix}-${r.name}`;
      const lost = !mayGrant.has(r.name);
      const resources = h('input', {
        type: 'text', class: 'res', id: `${id}-res`, 'data-right': r.name, autocomplete: 'off',
        placeholder: 'everywhere', spellcheck: 'false', maxlength: 1000,
        'aria-label': `Limit ${r.name} to these resources (comma-separated; blank: everywhere)`,
        title: 'Limit to resources, for example project:42 or repo:acme/* (blank: everywhere)',
        // typing a resource picks the right
        oninput: (e) => { if (e.target.value.trim()) document.getElementById(id).checked = true; },
      });
      resources.value = (selected.get(r.name) || []).join(', ');
      return h('div', { class: 'check-row' },
        h('label', { class: lost ? 'check lost' : 'check', for: id },
          h('input', { type: 'checkbox', id, name: 'rights', value: r.name, checked: selected.has(r.name) }),
          h('span', {}, h('span', { class: 'rname' }, r.name),
            h('span', { class: 'rdesc' }, lost ? 'Your role no longer grants this: uncheck it to save' : r.description))),
        resources);
    });
    const toggle = h('button', {
      type: 'button', class: 'link', 'aria-label': `Select all of ${category.name}`,
      onclick: () => {
        const inputs = [...group.querySelectorAll('input[type=checkbox]:not(:disabled)')];
        const all = inputs.every((i) => i.checked);
        inputs.forEach((i) => { i.checked = !all; });
      },
    }, 'all / none');
    const group = h('fieldset', { class: 'category' }, h('legend', {}, category.name, toggle), boxes);
    groups.push(group);
  }
  fieldset.querySelector('.categories').replaceChildren(...groups);
  const n = mayGrant.size;
  return `Your role, ${me.role}, may grant these ${n} permission${n === 1 ? '' : 's'}. Give the token only what it needs.`;
}

// The entries to send: each checked right, on each resource typed beside it
// (RIGHT@resource), or everywhere (RIGHT) when none is.
function checkedRights(fieldset) {
  return [...fieldset.querySelectorAll('input[name=rights]:checked')].flatMap((i) => {
    const box = fieldset.querySelector(`input.res[data-right="${i.value}"]`);
    const res = box ? box.value.split(/[\s,]+/).filter(Boolean) : [];
    return res.length ? res.map((x) => `${i.value}@${x}`) : [i.value];
  });
}

// showFieldError(form, err): next to the field pat's refusal is about, else at the form's foot
function showFieldError(form, err) {
  const el = form.querySelector(`.error[data-for="${err.field || ''}"]`) || form.querySelector('.error[data-for=""]');
  const input = err.field ? form.querySelector(`[name="${err.field}"]:not([type=checkbox])`) : null;
  showError(el, err, input || (err.field === 'rights' ? form.querySelector('fieldset.rights-picker') : null));
  (input || el).scrollIntoView({ block: 'nearest' });
  if (input) input.focus();
}

// ---- create ------------------------------------------------------------------------------
function openCreate() {
  const form = $('create-form');
  form.reset();
  clearErrors(form);
  const now = new Date();
  now.setSeconds(0, 0);
  $('create-from').value = localInput(now);
  $('create-to').value = localInput(new Date(now.getTime() + (me.default_lifetime || 2592000) * 1000));
  $('create-rights-hint').textContent = renderPicker($('create-rights'), [], 'create');
  $('create-dialog').showModal();
  $('create-name').focus();
}

function presets() {
  const box = $('create-presets');
  const max = me.max_lifetime;
  for (const days of [7, 30, 90, 365]) {
    if (max && days * 86400 > max) continue;
    box.append(h('button', {
      type: 'button', class: 'small', 'data-days': days,
      onclick: () => {
        const from = $('create-from').value ? new Date($('create-from').value) : new Date();
        $('create-to').value = localInput(new Date(from.getTime() + days * 86400000));
      },
    }, days === 365 ? '1 year' : `${days} days`));
  }
  box.append(h('span', {}, max ? `(at most ${duration(max)})` : ''));
}

async function submitCreate(e) {
  e.preventDefault();
  const form = $('create-form');
  clearErrors(form);
  const body = {
    name: $('create-name').value,
    description: $('create-description').value.trim() || null,
    valid_from: toUtc($('create-from').value) || null,
    valid_to: toUtc($('create-to').value) || null,
    rights: checkedRights($('create-rights')),
    allowed_ips: addressLines($('create-ips').value),
  };
  $('create-submit').disabled = true;
  try {
    const { token, row: t } = await api('POST', '/web/api/tokens', body);
    tokens = [t, ...tokens];
    render();
    $('create-dialog').close();
    showToken(token, 'Your new personal access token', t);
    loadNotices();
  } catch (err) {
    showFieldError(form, err);
  } finally {
    $('create-submit').disabled = false;
  }
}

// ---- the token, shown once ----------------------------------------------------------------
let returnFocus = null;

function showToken(token, title, t) {
  $('token-title').textContent = title;
  $('token-value').textContent = token;
  $('token-usage').textContent = token;
  $('copy-status').textContent = '';
  $('token-dialog').showModal();
  returnFocus = () => document.querySelector(`tr[data-token-id="${t.id}"] [data-action="rotate"]`);
  $('copy-token').focus();
}

function forgetToken() {
  $('token-value').textContent = '';
  $('token-usage').textContent = '';
  $('copy-status').textContent = '';
}

async function copyToken() {
  const value = $('token-value').textContent;
  try {
    await navigator.clipboard.writeText(value);
  } catch (e) { // no clipboard API (an http page on another host): select it and copy the old way
    const range = document.createRange();
    range.selectNodeContents($('token-value'));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    if (!document.execCommand('copy')) {
      $('copy-status').textContent = 'Press Ctrl+C (⌘C) to copy the selected token.';
      return;
    }
  }
  $('copy-status').textContent = 'Copied to the clipboard.';
}

// ---- the star control: permissions ----------------------------------------------------------
let editing = null;

function openRights(t) {
  editing = t;
  const form = $('rights-form');
  clearErrors(form);
  $('rights-title').textContent = `Permissions of “${t.name}”`;
  $('rights-hint').textContent = renderPicker($('rights-picker'), t.rights, 'edit');
  $('rights-dialog').showModal();
  $('rights-picker').querySelector('input')?.focus();
}

async function submitRights(e) {
  e.preventDefault();
  const form = $('rights-form');
  clearErrors(form);
  const t = editing;
  try {
    const { row: fresh } = await api('PATCH', `/web/api/tokens/${t.id}`, { rights: checkedRights($('rights-picker')) });
    tokens = tokens.map((x) => (x.id === t.id ? fresh : x));
    $('rights-dialog').close();
    replaceRow(fresh, 'edit-rights');
    notice(`The permissions of “${fresh.name}” are changed. They apply at once.`);
  } catch (err) {
    showFieldError(form, err);
  }
}

// ---- details: the description and the allow-list ----------------------------------------------
function openDetails(t) {
  editing = t;
  const form = $('details-form');
  form.reset();
  clearErrors(form);
  $('details-title').textContent = `Description and addresses of “${t.name}”`;
  $('details-description').value = t.description || '';
  $('details-ips').value = (t.allowed_ips || []).join('\n');
  const usedFrom = t.last_used_ips || [];
  $('details-last-used').textContent = usedFrom.length
    ? `Last used from ${usedFrom.join(', ')}${usedFrom.length > 1 ? ' (latest first)' : ''}.` : 'Not used from any address yet.';
  $('details-dialog').showModal();
  $('details-description').focus();
}

async function submitDetails(e) {
  e.preventDefault();
  const form = $('details-form');
  clearErrors(form);
  const t = editing;
  const description = $('details-description').value.trim() || null;
  const allowed = addressLines($('details-ips').value);
  const changes = {};
  if (description !== ((t.description || '').trim() || null)) changes.description = description;
  if (JSON.stringify(allowed) !== JSON.stringify(t.allowed_ips || [])) changes.allowed_ips = allowed;
  if (Object.keys(changes).length === 0) { // nothing to save
    $('details-dialog').close();
    return;
  }
  const save = form.querySelector('button[type=submit]');
  save.disabled = true;
  try {
    const { row: fresh } = await api('PATCH', `/web/api/tokens/${t.id}`, changes);
    tokens = tokens.map((x) => (x.id === t.id ? fresh : x));
    $('details-dialog').close();
    replaceRow(fresh, 'edit-details');
    notice('allowed_ips' in changes
      ? (allowed.length ? `“${fresh.name}” now works only from ${someAddresses(fresh.allowed_ips)}.`
        : `“${fresh.name}” now works from any address.`)
      : `The description of “${fresh.name}” is changed.`);
  } catch (err) {
    showFieldError(form, err);
  } finally {
    save.disabled = false;
  }
}

// ---- the trash control ------------------------------------------------------------------------
function openDelete(t) {
  editing = t;
  clearErrors($('delete-form'));
  $('delete-title').textContent = `Delete “${t.name}”?`;
  $('delete-text').textContent = `Token #${t.id} stops working at once: every program that uses it loses access.`
    + ' This can not be undone.';
  $('delete-dialog').showModal();
}

async function submitDelete(e) {
  e.preventDefault();
  const t = editing;
  try {
    await api('DELETE', `/web/api/tokens/${t.id}`);
    tokens = tokens.filter((x) => x.id !== t.id);
    $('delete-dialog').close();
    render();
    notice(`“${t.name}” is deleted.`);
    $('create-open').focus();
    loadNotices();
  } catch (err) {
    showFieldError($('delete-form'), err);
  }
}

// ---- regenerate (pat_rotate) ------------------------------------------------------------------
function openRotate(t) {
  editing = t;
  const form = $('rotate-form');
  form.reset();
  clearErrors(form);
  $('rotate-title').textContent = `Regenerate “${t.name}”?`;
  $('rotate-text').textContent = 'The token gets a new value, shown once. The current value stops working at once:'
    + ' update every program that uses it.'
    + (t.status === 'expired' ? ' This token has expired: give it a new end, or the new value will not work either.' : '');
  $('rotate-dialog').showModal();
}

async function submitRotate(e) {
  e.preventDefault();
  const form = $('rotate-form');
  clearErrors(form);
  const t = editing;
  const validTo = toUtc($('rotate-to').value);
  try {
    const { token, row: fresh } = await api('POST', `/web/api/tokens/${t.id}/rotate`, validTo ? { valid_to: validTo } : {});
    tokens = tokens.map((x) => (x.id === t.id ? fresh : x));
    $('rotate-dialog').close();
    replaceRow(fresh);
    showToken(token, `New value for “${fresh.name}”`, fresh);
    loadNotices();
  } catch (err) {
    showFieldError(form, err);
  }
}

// ---- the retired log: old values, and whether anyone tried them since -----------------------------
const WHY = {
  rotated: 'A regenerated value',
  revoked: 'A revoked value',
  deleted: 'The value of a deleted token',
};

function retiredEntry(r) {
  const name = `“${r.name}” (ID ${r.token_id})`;
  const what = `${WHY[r.why] || 'An old value'} of ${name}`;
  const stopped = h('time', { datetime: r.retired_at, title: `${r.retired_at} UTC` }, showTime(r.retired_at));
  if (r.seen > 0) {
    const last = h('time', { datetime: r.last_seen_at, title: `${r.last_seen_at} UTC` }, showTime(r.last_seen_at));
    return h('li', { class: 'tried', 'data-token-id': String(r.token_id) }, icon('alert'),
      h('span', {}, h('strong', {}, `${what} was tried ${r.seen === 1 ? 'once' : `${r.seen} times`}`),
        ', last at ', last, '. It stopped working at ', stopped,
        ' and was refused: if that was not you, someone else has it.'));
  }
  return h('li', { 'data-token-id': String(r.token_id) },
    h('span', {}, `${what} stopped working at `, stopped, '; not tried since.'));
}

async function loadRetired() {
  const { retired } = await api('GET', '/web/api/retired');
  $('retired-rows').replaceChildren(...retired.map(retiredEntry));
  $('retired').hidden = retired.length === 0;
}

// ---- notices: tokens expiring soon, expired, or going idle (pat_notices) ---------------------------
function noticeText(n) {
  const name = `Token “${n.name}”`;
  const when = h('time', { datetime: n.due_at, title: `${n.due_at} UTC` }, showTime(n.due_at));
  const past = parseUtc(n.due_at) <= new Date();
  switch (n.kind) {
    case 'expiring':
      return [`${name} expires on `, when, '. If it is still needed, give it a later end (Valid until) or regenerate it.'];
    case 'expired':
      return [`${name} has expired: it stopped working on `, when, '.'];
    case 'idle':
      return past
        ? [`${name} has stopped working for lack of use, on `, when, '. Regenerate it to use it again.']
        : [`${name} will stop working for lack of use on `, when, ', unless it is used before then.'];
    default:
      return [`${name}: ${n.kind}, `, when, '.'];
  }
}

function noticeEntry(n) {
  const body = h('div', { class: 'body' }, h('span', { class: 'text' }, noticeText(n)));
  const li = h('li', { class: n.kind, 'data-token-id': String(n.token_id), 'data-kind': n.kind }, icon('alert'), body);
  body.append(h('button', {
    type: 'button', class: 'small', 'data-action': 'ack',
    'aria-label': `Mark as read: the notice about “${n.name}”`,
    onclick: async (e) => {
      const button = e.currentTarget;
      button.disabled = true;
      try {
        await api('POST', '/web/api/notices/ack', { token_id: n.token_id, kind: n.kind });
      } catch (err) {
        button.disabled = false;
        notice(`The notice could not be marked as read: ${err.message}`);
        return;
      }
      // the focus goes to the next notice's button, or the previous one's, or the page's main button
      const next = li.nextElementSibling || li.previousElementSibling;
      li.remove();
      $('notices').hidden = $('notice-rows').children.length === 0;
      (next ? next.querySelector('[data-action="ack"]') : $('create-open')).focus();
      notice(`Marked as read: the notice about “${n.name}”.`);
    },
  }, icon('check'), 'Mark as read'));
  return li;
}

async function loadNotices() {
  try {
    const { notices } = await api('GET', '/web/api/notices');
    $('notice-rows').replaceChildren(...notices.map(noticeEntry));
    $('notices').hidden = notices.length === 0;
  } catch (err) {
    if (err.status !== 401) notice(`The notices could not be loaded: ${err.message}`);
  }
}

// ---- wiring ---------------------------------------------------------------------------------------
async function main() {
  me = await start();
  $('create-open').append(icon('plus'), 'Create a New Personal Access Token');
  $('token-warning').append(icon('alert'), h('span', {},
    h('strong', {}, 'Copy this token now. It will not be shown again. '),
    'The server keeps only a digest of it, so nobody can show it to you later.'));
  $('copy-token').append(icon('copy'), 'Copy');
  $('tz-hint').textContent = `Times are shown in your time zone (${timeZone()}); hover a time to see it in UTC.`;
  presets();

  $('create-open').addEventListener('click', openCreate);
  $('create-form').addEventListener('submit', submitCreate);
  $('rights-form').addEventListener('submit', submitRights);
  $('delete-form').addEventListener('submit', submitDelete);
  $('rotate-form').addEventListener('submit', submitRotate);
  $('details-form').addEventListener('submit', submitDetails);
  $('copy-token').addEventListener('click', copyToken);
  for (const button of document.querySelectorAll('dialog [data-close]')) {
    button.addEventListener('click', () => button.closest('dialog').close());
  }
  $('token-dialog').addEventListener('close', () => {
    forgetToken();
    (returnFocus && returnFocus())?.focus();
  });
  // Leaving the page (or the browser keeping it in its back/forward cache) forgets the token.
  addEventListener('pagehide', () => { forgetToken(); if ($('token-dialog').open) $('token-dialog').close(); });

  [{ categories: catalog }, { tokens }] = await Promise.all([api('GET', '/web/api/rights'), api('GET', '/web/api/tokens')]);
  tokens.reverse();
  render();
  await Promise.all([loadNotices(), loadRetired()]);
}

main().catch((err) => {
  if (err.status === 401) return; // on the way to the login form
  $('loading').textContent = `The page could not load: ${err.message}`;
});
