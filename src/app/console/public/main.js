import { ApiError, roleOf, session, signIn, signOut } from './api.js';
import { renderCallbacks } from './callbacks.js';
import { clear, h } from './dom.js';
import { renderOrder } from './order.js';
import { renderOrders } from './orders.js';
import { renderOverview } from './overview.js';

const ROUTES = {
  overview: renderOverview,
  orders: renderOrders,
  order: renderOrder,
  callbacks: renderCallbacks,
};

const $ = (id) => document.getElementById(id);

function currentRoute() {
  const [path, query = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const name = ROUTES[path] ? path : 'overview';
  return { name, params: new URLSearchParams(query) };
}

let renderCount = 0;

async function render() {
  if (!session.key || !session.role) return showSignIn();
  $('signin').hidden = true;
  $('nav').hidden = false;
  $('who').hidden = false;
  $('role').textContent = session.role === 'admin' ? 'admin' : 'viewer · read only';
  $('role').className = `role role-${session.role}`;
  document.body.dataset.role = session.role;
  const { name, params } = currentRoute();
  for (const link of document.querySelectorAll('#nav a')) {
    const active =
      link.dataset.route === name || (name === 'order' && link.dataset.route === 'orders');
    link.classList.toggle('active', active);
  }
  const view = $('view');
  view.hidden = false;
  const mine = ++renderCount;
  view.setAttribute('aria-busy', 'true');
  try {
    const content = await ROUTES[name](params);
    if (mine !== renderCount) return;
    clear(view, content);
  } catch (error) {
    if (mine !== renderCount) return;
    clear(
      view,
      h(
        'div',
        { class: 'card error-card', role: 'alert' },
        h('h2', {}, 'Could not load'),
        h('p', {}, error.message),
      ),
    );
  } finally {
    if (mine === renderCount) view.removeAttribute('aria-busy');
  }
}

function showSignIn(message = '') {
  $('nav').hidden = true;
  $('who').hidden = true;
  $('view').hidden = true;
  $('signin').hidden = false;
  $('signin-error').textContent = message;
  $('signin-key').focus();
}

$('signin-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const key = $('signin-key').value.trim();
  $('signin-error').textContent = '';
  try {
    const role = await roleOf(key);
    signIn(key, role);
    $('signin-key').value = '';
    await render();
  } catch (error) {
    $('signin-error').textContent =
      error instanceof ApiError && error.status === 401
        ? 'This key is not known to the service.'
        : error.message;
  }
});

$('sign-out').addEventListener('click', () => {
  signOut();
  showSignIn();
});

window.addEventListener('console:unauthorized', () => {
  signOut();
  showSignIn('The key was refused; sign in again.');
});

window.addEventListener('hashchange', () => void render());
window.addEventListener('console:refresh', () => void render());

async function start() {
  if (session.key) {
    try {
      session.role = await roleOf(session.key);
    } catch {
      signOut();
    }
  }
  await render();
}

void start();
