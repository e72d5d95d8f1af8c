// Sign in with the same accounts as the API (and the phones).
import { login } from '../api.js';
import { h } from '../dom.js';
import { lang, setLang, t } from '../i18n.js';

export function loginScreen({ onSignedIn }) {
  const message = h('p.error', { role: 'alert', hidden: true });
  const username = h('input', { name: 'username', autocomplete: 'username', required: true });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit' }, t('login.submit'));
  const form = h('form.login', { on: { submit: async (event) => {
    event.preventDefault();
    submit.disabled = true;
    message.hidden = true;
    try {
      await login(username.value.trim(), password.value);
      onSignedIn();
    } catch (error) {
      message.textContent = error.status === 401 || error.status === 422
        ? t('login.failed') : (error.message || t('login.failed'));
      message.hidden = false;
      submit.disabled = false;
    }
  } } },
  h('h1', {}, t('app.name'), h('small', {}, t('app.subtitle'))),
  h('label', {}, t('login.username'), username),
  h('label', {}, t('login.password'), password),
  message, submit,
  h('button.link.lang', { type: 'button', on: { click: () => setLang(lang() === 'zh' ? 'en' : 'zh') } },
    t('lang.other')));
  return h('main.login-page', {}, form);
}
