// The login form: POST /web/api/login as JSON (a form on another site can not
// send that), then on to the page asked for (only a page of this site).
import { api, showError } from './common.js';

const form = document.getElementById('login-form');
const error = document.getElementById('login-error');
const submit = document.getElementById('login-submit');

function next() {
  const wanted = new URLSearchParams(location.search).get('next') || '';
  return /^\/web\/[a-z]+$/.test(wanted) ? wanted : '/web/pats';
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  showError(error, null);
  const name = form.elements.name.value.trim();
  const password = form.elements.password.value;
  if (!name || !password) {
    showError(error, { message: 'Enter your user name and password.' });
    (name ? form.elements.password : form.elements.name).focus();
    return;
  }
  submit.disabled = true;
  try {
    await api('POST', '/web/api/login', { name, password });
    location.replace(next());
  } catch (err) {
    submit.disabled = false;
    form.elements.password.value = '';
    showError(error, err);
    form.elements.password.focus();
  }
});
document.getElementById('login-name').focus();
