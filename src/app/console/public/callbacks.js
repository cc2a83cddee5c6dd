import { canAct, get, post } from './api.js';
import { empty, h, outcomeBadge, time, toast } from './dom.js';
import { orderHref } from './orders.js';

const OUTCOMES = ['applied', 'duplicate', 'rejected', 'mismatch', 'ignored'];

/** Signature, number rendering, HTTP answer and sender of one callback, in one line. */
export function callbackSummary(callback) {
  const signature = callback.signatureValid
    ? h(
        'span',
        { class: 'sig sig-ok', 'data-signature': 'valid' },
        `signature valid${callback.numberRendering ? ` (${callback.numberRendering} numbers)` : ''}`,
      )
    : h('span', { class: 'sig sig-bad', 'data-signature': 'invalid' }, 'signature not verified');
  return [
    callback.kind,
    ' · ',
    signature,
    ' · answered ',
    String(callback.httpStatus),
    callback.remoteAddress ? ` · from ${callback.remoteAddress}` : '',
    callback.replayOf ? ` · replay of #${callback.replayOf}` : '',
  ];
}

export function replayButton(callback) {
  return h(
    'button',
    {
      type: 'button',
      class: 'small',
      'data-action': 'replay',
      'data-callback-id': callback.id,
      onclick: async (event) => {
        const button = event.currentTarget;
        button.disabled = true;
        try {
          const result = await post(`/admin/callbacks/${encodeURIComponent(callback.id)}/replay`);
          toast(
            `Replayed #${callback.id}: ${result.outcome}${result.reason ? ` (${result.reason})` : ''}, stored as #${result.callbackId}`,
            'ok',
          );
          window.dispatchEvent(new Event('console:refresh'));
        } catch (error) {
          toast(`Replay failed: ${error.message}`, 'error');
          button.disabled = false;
        }
      },
    },
    'Replay',
  );
}

export async function renderCallbacks(params) {
  const outcome = OUTCOMES.includes(params.get('outcome')) ? params.get('outcome') : undefined;
  const cursor = params.get('cursor') ?? undefined;
  const [rejected, mismatch, all] = await Promise.all([
    get('/admin/callbacks', { outcome: 'rejected', limit: 50 }),
    get('/admin/callbacks', { outcome: 'mismatch', limit: 50 }),
    get('/admin/callbacks', { outcome, cursor, limit: 50 }),
  ]);
  const filter = h(
    'select',
    {
      'aria-label': 'Outcome',
      onchange: (event) => {
        location.hash = event.target.value
          ? `#/callbacks?outcome=${event.target.value}`
          : '#/callbacks';
      },
    },
    h('option', { value: '' }, 'every outcome'),
    OUTCOMES.map((o) => h('option', { value: o, selected: o === outcome }, o)),
  );
  const next = all.nextCursor
    ? h(
        'a',
        {
          class: 'button',
          href: `#/callbacks?${new URLSearchParams({ ...(outcome ? { outcome } : {}), cursor: all.nextCursor })}`,
        },
        'Older →',
      )
    : '';
  return h(
    'section',
    {},
    h('div', { class: 'page-head' }, h('h1', {}, 'Callbacks')),
    h(
      'p',
      { class: 'muted' },
      'Refused and mismatched callbacks first: they changed nothing and may need a person.',
    ),
    block('Refused', 'rejected', rejected.items, 'No refused callbacks.'),
    block('Mismatched', 'mismatch', mismatch.items, 'No callbacks disagreed with their order.'),
    h('div', { class: 'section-head' }, h('h2', {}, 'All callbacks'), filter),
    h('div', { class: 'card flush' }, table(all.items, 'No callbacks yet.')),
    h(
      'div',
      { class: 'pager' },
      cursor
        ? h(
            'a',
            { class: 'button', href: outcome ? `#/callbacks?outcome=${outcome}` : '#/callbacks' },
            '← Newest',
          )
        : '',
      next,
    ),
  );
}

function block(title, outcome, items, none) {
  return [
    h('h2', {}, title, ' ', h('span', { class: 'count' }, String(items.length))),
    h(
      'div',
      {
        class: `card flush attention-${items.length ? 'yes' : 'no'}`,
        'data-testid': `callbacks-${outcome}`,
      },
      table(items, none),
    ),
  ];
}

function table(items, none) {
  if (!items.length) return empty(none);
  return h(
    'table',
    { class: 'table callbacks' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['#', 'Received', 'Order', 'PTS', 'Outcome', 'Reason', 'Signature', 'HTTP', ''].map((t) =>
          h('th', {}, t),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      items.map((c) =>
        h(
          'tr',
          { 'data-callback-id': c.id },
          h('td', { class: 'mono' }, c.id),
          h('td', {}, time(c.receivedAt)),
          h(
            'td',
            {},
            c.orderId
              ? h(
                  'a',
                  {
                    class: 'mono',
                    href: orderHref({ account: c.account ?? '', orderId: c.orderId }),
                  },
                  c.orderId,
                )
              : '—',
          ),
          h('td', {}, c.ptsStatus ?? '—'),
          h('td', {}, outcomeBadge(c.outcome)),
          h('td', { class: `reason-cell o-${c.outcome}` }, c.reason ?? ''),
          h(
            'td',
            {},
            c.signatureValid
              ? `valid${c.numberRendering ? ` (${c.numberRendering})` : ''}`
              : h('span', { class: 'sig-bad' }, 'no'),
          ),
          h('td', { class: 'num' }, String(c.httpStatus)),
          h('td', {}, canAct() ? replayButton(c) : ''),
        ),
      ),
    ),
  );
}
