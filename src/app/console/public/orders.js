import { get } from './api.js';
import { loadMeta } from './meta.js';
import { empty, flagChips, h, statusBadge, time } from './dom.js';

const STATUSES = [
  'created',
  'waiting',
  'processing',
  'success',
  'failed',
  'error',
  'expired',
  'rejected',
  'unknown',
  'active',
  'disabled',
];
const FILTERS = ['search', 'kind', 'status', 'account', 'flag', 'from', 'to'];

/** Cursors of the pages before this one, per filter set: "Previous" without a backwards API. */
const trail = { filters: '', cursors: [] };

export function orderHref(order) {
  const params = new URLSearchParams({ account: order.account, id: order.orderId });
  return `#/order?${params}`;
}

function go(params) {
  location.hash = `#/orders?${params}`;
}

export async function renderOrders(params) {
  const meta = await loadMeta();
  const filters = new URLSearchParams();
  for (const name of FILTERS) if (params.get(name)) filters.set(name, params.get(name));
  if (trail.filters !== filters.toString()) {
    trail.filters = filters.toString();
    trail.cursors = [];
  }
  const cursor = params.get('cursor') ?? undefined;
  const query = Object.fromEntries(filters);
  for (const name of ['from', 'to'])
    if (query[name]) query[name] = new Date(query[name]).toISOString();
  const page = await get('/admin/orders', { ...query, cursor, limit: 25 });

  const form = filterForm(params, meta);
  const table = page.items.length
    ? h(
        'table',
        { class: 'table orders', 'data-testid': 'orders-table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            [
              'Created',
              'Order',
              'Account',
              'Kind',
              'Status',
              'Amount',
              'Channel',
              'PTS transaction',
              'Flags',
            ].map((t) => h('th', {}, t)),
          ),
        ),
        h(
          'tbody',
          {},
          page.items.map((order) =>
            h(
              'tr',
              { 'data-order-id': order.orderId },
              h('td', {}, time(order.createdAt)),
              h('td', {}, h('a', { href: orderHref(order), class: 'mono' }, order.orderId)),
              h('td', {}, order.account),
              h('td', {}, order.kind),
              h('td', {}, statusBadge(order.status)),
              h('td', { class: 'num' }, `${order.amount} ${order.currency}`),
              h('td', {}, order.channel),
              h('td', { class: 'mono' }, order.transactionId ?? ''),
              h('td', {}, flagChips(order.flags)),
            ),
          ),
        ),
      )
    : empty('No orders match these filters.');

  const previous = () => {
    const back = trail.cursors.pop();
    const next = new URLSearchParams(filters);
    if (back) next.set('cursor', back);
    go(next);
  };
  const next = () => {
    trail.cursors.push(cursor ?? '');
    const forward = new URLSearchParams(filters);
    forward.set('cursor', page.nextCursor);
    go(forward);
  };
  const pager = h(
    'div',
    { class: 'pager' },
    h('button', { type: 'button', disabled: !cursor, onclick: previous }, '← Newer'),
    h(
      'span',
      { class: 'muted' },
      `${page.items.length} shown${cursor ? ' (not the first page)' : ''}`,
    ),
    h(
      'button',
      { type: 'button', disabled: !page.nextCursor, onclick: next, 'data-testid': 'next-page' },
      'Older →',
    ),
  );
  return h(
    'section',
    {},
    h('div', { class: 'page-head' }, h('h1', {}, 'Orders')),
    form,
    h('div', { class: 'card flush' }, table),
    pager,
  );
}

function filterForm(params, meta) {
  const select = (name, label, options) =>
    h(
      'label',
      {},
      label,
      h(
        'select',
        { name },
        h('option', { value: '' }, 'any'),
        options.map((value) => h('option', { value, selected: params.get(name) === value }, value)),
      ),
    );
  const flags = [
    ...new Set(['amount_mismatch', 'conflicting_final_news', ...meta.flags.map((f) => f.flag)]),
  ];
  const form = h(
    'form',
    { class: 'filters card', 'data-testid': 'order-filters' },
    h(
      'label',
      { class: 'grow' },
      'Order id or PTS transaction id',
      h('input', {
        name: 'search',
        type: 'search',
        value: params.get('search') ?? '',
        placeholder: 'ORD-1001 or P1202…',
        spellcheck: 'false',
      }),
    ),
    select('kind', 'Kind', ['payment', 'withdraw', 'subscription']),
    select('status', 'Status', STATUSES),
    select(
      'account',
      'Account',
      meta.accounts.map((a) => a.name),
    ),
    select('flag', 'Flag', flags),
    h(
      'label',
      {},
      'Created from',
      h('input', { name: 'from', type: 'datetime-local', value: params.get('from') ?? '' }),
    ),
    h(
      'label',
      {},
      'until',
      h('input', { name: 'to', type: 'datetime-local', value: params.get('to') ?? '' }),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, 'Apply'),
      h('a', { href: '#/orders', class: 'button' }, 'Reset'),
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [name, value] of new FormData(form))
      if (String(value).trim()) next.set(name, String(value).trim());
    go(next);
  });
  return form;
}
