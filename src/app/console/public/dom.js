/**
 * Builds elements from data with textContent only: nothing the API returns is ever parsed as
 * HTML, so a hostile order id or callback body stays text.
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === 'dataset') {
      Object.assign(element.dataset, value);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

export function statusBadge(status) {
  return h('span', { class: `badge status-${status}`, 'data-status': status }, status);
}

export function outcomeBadge(outcome) {
  return h('span', { class: `badge outcome-${outcome}`, 'data-outcome': outcome }, outcome);
}

export function flagChips(flags) {
  return (flags ?? []).map((flag) => h('span', { class: 'chip flag', 'data-flag': flag }, flag));
}

export function time(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  return h(
    'time',
    { datetime: iso, title: iso },
    date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' }),
  );
}

export function empty(text) {
  return h('p', { class: 'empty' }, text);
}

let toastTimer;
export function toast(text, kind = 'info') {
  const element = document.getElementById('toast');
  element.className = `toast toast-${kind}`;
  element.textContent = text;
  element.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    element.hidden = true;
  }, 6000);
}
