import { canAct, get, post } from './api.js';
import { callbackSummary, replayButton } from './callbacks.js';
import { empty, flagChips, h, outcomeBadge, statusBadge, time, toast } from './dom.js';

const CAUSES = {
  create: 'stored before the request left',
  gateway_accepted: 'PTS accepted the order',
  gateway_rejected: 'PTS refused the order',
  gateway_no_answer: 'no answer from PTS (timeout or lost connection)',
  callback: 'a callback from PTS',
  query: 'a status query at PTS',
  not_found_at_gateway: 'PTS does not know the order',
};

const FINAL = new Set(['success', 'failed', 'rejected']);
const POLL_MS = 2000;

export async function renderOrder(params) {
  const orderId = params.get('id') ?? '';
  const account = params.get('account') ?? undefined;
  const order = await get(`/admin/orders/${encodeURIComponent(orderId)}`, { account });
  if (!FINAL.has(order.status)) watch(location.hash);

  const sync = async (button) => {
    button.disabled = true;
    try {
      const synced = await post(`/admin/orders/${encodeURIComponent(orderId)}/sync`, { account });
      toast(
        `Synced: PTS says ${synced.ptsStatus ?? 'nothing new'}, order is ${synced.status}`,
        'ok',
      );
      window.dispatchEvent(new Event('console:refresh'));
    } catch (error) {
      toast(`Sync failed: ${error.message}`, 'error');
      button.disabled = false;
    }
  };
  const actions = canAct()
    ? h(
        'div',
        { class: 'actions' },
        h(
          'button',
          {
            type: 'button',
            class: 'primary',
            'data-action': 'sync',
            onclick: (e) => sync(e.currentTarget),
          },
          'Sync now',
        ),
      )
    : h(
        'p',
        { class: 'muted read-only', 'data-testid': 'read-only' },
        'Viewer key: read only. Sync and replay need an admin key.',
      );

  return h(
    'section',
    { 'data-testid': 'order', 'data-status': order.status },
    h('p', { class: 'crumbs' }, h('a', { href: '#/orders' }, 'Orders'), ' / ', order.orderId),
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, h('span', { class: 'mono' }, order.orderId), ' ', statusBadge(order.status)),
      actions,
    ),
    h('div', { class: 'grid two' }, facts(order), amounts(order)),
    h('h2', {}, 'Timeline'),
    timeline(order),
  );
}

/**
 * An order still moving is read again every few seconds while its page stays open. One timer
 * for the page: each render replaces it, so refreshes (an action, a replay, coming back to the
 * same order) never leave a second loop running beside the first.
 */
let watchTimer;
function watch(hash) {
  clearTimeout(watchTimer);
  watchTimer = setTimeout(() => {
    if (location.hash === hash && !document.hidden)
      window.dispatchEvent(new Event('console:refresh'));
    else if (location.hash === hash) watch(hash);
  }, POLL_MS);
}

function facts(order) {
  const rows = [
    ['Account', order.account],
    ['Kind', order.kind],
    ['PTS transaction', h('span', { class: 'mono' }, order.transactionId ?? '—')],
    ['PTS status', order.ptsStatus ?? '—'],
    ['Channel', order.channel],
    ['Created', time(order.createdAt)],
    ['Updated', time(order.updatedAt)],
    ['Last queried', order.lastQueriedAt ? time(order.lastQueriedAt) : 'never'],
    ['Flags', order.flags.length ? flagChips(order.flags) : 'none'],
  ];
  if (order.errorCode || order.errorMessage)
    rows.push(['Error', `${order.errorCode ?? ''} ${order.errorMessage ?? ''}`]);
  if (order.payUrl)
    rows.push([
      'Pay URL',
      h(
        'a',
        { href: order.payUrl, target: '_blank', rel: 'noopener noreferrer', class: 'mono' },
        order.payUrl,
      ),
    ]);
  if (order.callbackUrl)
    rows.push(['Callback URL', h('span', { class: 'mono' }, order.callbackUrl)]);
  return h('div', { class: 'card' }, h('h3', {}, 'Order'), definitionList(rows));
}

function amounts(order) {
  const rows = [
    ['Amount', h('strong', { class: 'num' }, `${order.amount} ${order.currency}`)],
    ['Submitted', order.submitAmount ? `${order.submitAmount} ${order.submitCurrency ?? ''}` : '—'],
    ['Accepted', order.acceptAmount ? `${order.acceptAmount} ${order.acceptCurrency ?? ''}` : '—'],
    ['Exchange rate', order.exchangeRate ?? '—'],
    ['Remark', order.remark ?? '—'],
  ];
  return h('div', { class: 'card' }, h('h3', {}, 'Money'), definitionList(rows));
}

function definitionList(rows) {
  return h(
    'dl',
    { class: 'facts' },
    rows.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]),
  );
}

/** History entries and callbacks in one line of time, oldest first. */
function timeline(order) {
  const entries = [
    ...order.history.map((entry) => ({ at: entry.at, rank: 1, node: historyItem(entry) })),
    ...order.callbacks.map((callback) => ({
      at: callback.receivedAt,
      rank: 0,
      node: callbackItem(callback),
    })),
  ]
    // A callback and the move it caused share a timestamp (one transaction): cause first.
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.rank - b.rank));
  if (!entries.length) return empty('Nothing has happened to this order yet.');
  return h(
    'ol',
    { class: 'timeline', 'data-testid': 'timeline' },
    entries.map((e) => e.node),
  );
}

function historyItem(entry) {
  return h(
    'li',
    { class: 'tl tl-history', 'data-to': entry.to },
    h('div', { class: 'tl-dot' }),
    h(
      'div',
      { class: 'tl-body' },
      h(
        'div',
        { class: 'tl-title' },
        entry.from ? [statusBadge(entry.from), ' → '] : 'new → ',
        statusBadge(entry.to),
      ),
      h(
        'div',
        { class: 'tl-meta' },
        time(entry.at),
        ' · ',
        h('span', { 'data-cause': entry.cause }, CAUSES[entry.cause] ?? entry.cause),
        entry.callbackId ? ` (callback #${entry.callbackId})` : '',
        entry.detail ? [' · ', h('span', { class: 'muted' }, entry.detail)] : '',
      ),
    ),
  );
}

function callbackItem(callback) {
  return h(
    'li',
    { class: `tl tl-callback tl-${callback.outcome}`, 'data-callback-id': callback.id },
    h('div', { class: 'tl-dot' }),
    h(
      'div',
      { class: 'tl-body' },
      h(
        'div',
        { class: 'tl-title' },
        `Callback #${callback.id}`,
        callback.ptsStatus ? ` · PTS ${callback.ptsStatus}` : '',
        ' ',
        outcomeBadge(callback.outcome),
        canAct() ? replayButton(callback) : '',
      ),
      h('div', { class: 'tl-meta' }, time(callback.receivedAt), ' · ', callbackSummary(callback)),
      callback.reason
        ? h('div', { class: `reason reason-${callback.outcome}` }, callback.reason)
        : '',
      rawBody(callback),
    ),
  );
}

export function rawBody(callback) {
  const text = layoutJson(callback.rawBody);
  return h(
    'details',
    { class: 'raw' },
    h(
      'summary',
      {},
      `Raw body (${callback.bodyBytes} bytes${callback.bodyTruncated ? ', truncated' : ''})`,
    ),
    h('pre', { class: 'mono', 'data-testid': 'raw-body' }, text),
    text !== callback.rawBody
      ? h(
          'details',
          { class: 'raw exact' },
          h('summary', {}, 'exact bytes'),
          h('pre', { class: 'mono' }, callback.rawBody),
        )
      : '',
  );
}

/**
 * Line breaks and indentation for reading, and nothing else: every token keeps its text, so
 * `100.10` stays `100.10` (JSON.parse would show `100.1`, not what was signed).
 */
function layoutJson(text) {
  if (!/^\s*[[{]/.test(text)) return text;
  let out = '';
  let depth = 0;
  let inString = false;
  let escaped = false;
  const newline = () => `\n${'  '.repeat(depth)}`;
  for (const char of text) {
    if (inString) {
      out += char;
      if (escaped) escaped = false;
      else if (char === '\\') escaped = true;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') {
      inString = true;
      out += char;
    } else if (char === '{' || char === '[') {
      depth += 1;
      out += char + newline();
    } else if (char === '}' || char === ']') {
      depth = Math.max(0, depth - 1);
      out += newline() + char;
    } else if (char === ',') {
      out += char + newline();
    } else if (char === ':') {
      out += ': ';
    } else if (!/\s/.test(char)) {
      out += char;
    }
  }
  return out;
}
