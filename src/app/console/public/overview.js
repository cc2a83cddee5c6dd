import { get } from './api.js';
import { empty, h } from './dom.js';

/** One colour per status and outcome, the same as the badges in console.css. */
export const STATUS_COLORS = {
  created: '#94a3b8',
  waiting: '#60a5fa',
  processing: '#6366f1',
  success: '#16a34a',
  failed: '#dc2626',
  error: '#f97316',
  expired: '#a16207',
  rejected: '#9f1239',
  unknown: '#64748b',
};
const OUTCOME_COLORS = {
  applied: '#16a34a',
  duplicate: '#94a3b8',
  ignored: '#cbd5e1',
  mismatch: '#f59e0b',
  rejected: '#dc2626',
};

const charts = [];

export async function renderOverview() {
  for (const chart of charts.splice(0)) chart.destroy();
  const overview = await get('/admin/overview', { bucket: 'hour' });
  const total = overview.orders.reduce((sum, row) => sum + row.count, 0);
  const calls = overview.callbacks.reduce((sum, row) => sum + row.count, 0);
  const attention = overview.callbacks
    .filter((row) => row.outcome === 'rejected' || row.outcome === 'mismatch')
    .reduce((sum, row) => sum + row.count, 0);
  const flagged = overview.flags.reduce((sum, row) => sum + row.count, 0);
  const rate = overview.successRate.rate;

  const tiles = h(
    'div',
    { class: 'tiles' },
    tile('Orders', String(total), 'all accounts, every status', 'orders-total'),
    tile(
      'Success rate',
      rate === null ? '—' : `${(rate * 100).toFixed(1)} %`,
      `${overview.successRate.success} success of ${overview.successRate.success + overview.successRate.failed + overview.successRate.rejected} final`,
      'success-rate',
    ),
    tile(
      'Callbacks',
      String(calls),
      `${attention} refused or mismatched`,
      'callbacks-total',
      attention ? 'warn' : '',
    ),
    tile(
      'Flagged orders',
      String(flagged),
      overview.flags.map((f) => `${f.flag}: ${f.count}`).join(', ') || 'none',
      'flags-total',
      flagged ? 'warn' : '',
    ),
  );

  const seriesCanvas = h('canvas', {
    'aria-label': 'Orders per status over the last 24 hours',
    role: 'img',
  });
  const outcomeCanvas = h('canvas', { 'aria-label': 'Callbacks by outcome', role: 'img' });
  const statusCanvas = h('canvas', { 'aria-label': 'Orders by status', role: 'img' });
  const accounts = h('div', { class: 'grid two' }, overview.accounts.map(accountCard));

  const section = h(
    'section',
    { 'data-testid': 'overview' },
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, 'Overview'),
      h('span', { class: 'muted' }, `as of ${new Date().toLocaleTimeString()}`),
    ),
    tiles,
    h(
      'div',
      { class: 'grid charts' },
      h(
        'div',
        { class: 'card wide' },
        h('h3', {}, 'Orders per status, last 24 hours (by hour created)'),
        h('div', { class: 'chart' }, seriesCanvas),
      ),
      h(
        'div',
        { class: 'card' },
        h('h3', {}, 'Callbacks by outcome'),
        calls ? h('div', { class: 'chart' }, outcomeCanvas) : empty('No callbacks yet.'),
      ),
      h(
        'div',
        { class: 'card' },
        h('h3', {}, 'Orders by status'),
        total ? h('div', { class: 'chart' }, statusCanvas) : empty('No orders yet.'),
      ),
    ),
    h('h2', {}, 'The same numbers as /metrics'),
    metricsTables(overview),
    h('h2', {}, 'Accounts'),
    accounts,
  );

  // Charts need their canvas in the document to measure it: draw after this view is shown.
  requestAnimationFrame(() => {
    if (!window.Chart || !section.isConnected) return;
    charts.push(seriesChart(seriesCanvas, overview.series));
    if (calls) charts.push(outcomeChart(outcomeCanvas, overview.callbacks));
    if (total) charts.push(statusChart(statusCanvas, overview.orders));
  });
  return section;
}

function tile(label, value, note, id, tone = '') {
  return h(
    'div',
    { class: `tile card ${tone}`, 'data-testid': id },
    h('div', { class: 'tile-label' }, label),
    h('div', { class: 'tile-value', 'data-value': value }, value),
    h('div', { class: 'tile-note' }, note),
  );
}

function metricsTables(overview) {
  const orders = h(
    'table',
    { class: 'table compact', 'data-testid': 'metric-orders' },
    h(
      'thead',
      {},
      h('tr', {}, h('th', {}, 'pts_orders{kind, status}'), h('th', { class: 'num' }, 'value')),
    ),
    h(
      'tbody',
      {},
      overview.orders.map((r) =>
        h(
          'tr',
          { 'data-kind': r.kind, 'data-status': r.status },
          h('td', { class: 'mono' }, `kind="${r.kind}", status="${r.status}"`),
          h('td', { class: 'num', 'data-count': r.count }, String(r.count)),
        ),
      ),
    ),
  );
  const callbacks = h(
    'table',
    { class: 'table compact', 'data-testid': 'metric-callbacks' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, 'pts_callbacks_total{kind, outcome}'),
        h('th', { class: 'num' }, 'value'),
      ),
    ),
    h(
      'tbody',
      {},
      overview.callbacks.map((r) =>
        h(
          'tr',
          { 'data-kind': r.kind, 'data-outcome': r.outcome },
          h('td', { class: 'mono' }, `kind="${r.kind}", outcome="${r.outcome}"`),
          h('td', { class: 'num', 'data-count': r.count }, String(r.count)),
        ),
      ),
    ),
  );
  return h(
    'div',
    { class: 'grid two' },
    h('div', { class: 'card flush' }, overview.orders.length ? orders : empty('No orders.')),
    h(
      'div',
      { class: 'card flush' },
      overview.callbacks.length ? callbacks : empty('No callbacks.'),
    ),
  );
}

function accountCard(account) {
  const balance = h('div', { class: 'muted' }, 'loading balance…');
  const channels = h('div', { class: 'muted' }, 'loading channels…');
  get('/admin/balance', {
    account: account.name,
    mode: account.apiVersion === 'v2' ? 2 : undefined,
  })
    .then((result) => balance.replaceWith(balanceTable(result.balances)))
    .catch((error) => balance.replaceChildren(`balance unavailable: ${error.message}`));
  get('/admin/channels', { account: account.name })
    .then((result) =>
      channels.replaceWith(
        h(
          'div',
          { class: 'chips' },
          result.items.length
            ? result.items.map((c) =>
                h(
                  'span',
                  { class: `chip channel-${c.type}`, title: c.channelSubjectName ?? '' },
                  `${c.type === 'payment' ? '↓' : '↑'} ${c.channel}${c.channelSubject ? ` · ${c.channelSubject}` : ''} (${c.currency})`,
                ),
              )
            : 'no channels',
        ),
      ),
    )
    .catch((error) => channels.replaceChildren(`channels unavailable: ${error.message}`));
  return h(
    'div',
    { class: 'card', 'data-account': account.name },
    h('h3', {}, account.name, ' ', h('span', { class: 'chip' }, `API ${account.apiVersion}`)),
    h('h4', {}, 'Balance at PTS'),
    balance,
    h('h4', {}, 'Channels'),
    channels,
  );
}

function balanceTable(balances) {
  const rows = [];
  for (const [currency, byChannel] of Object.entries(balances)) {
    for (const [channel, value] of Object.entries(byChannel)) {
      const total = typeof value === 'string' ? value : value.total;
      const available = typeof value === 'string' ? '' : value.available;
      rows.push(
        h(
          'tr',
          {},
          h('td', {}, currency),
          h('td', {}, channel),
          h('td', { class: 'num' }, total),
          h('td', { class: 'num' }, available),
        ),
      );
    }
  }
  if (!rows.length) return empty('No balances reported.');
  return h(
    'table',
    { class: 'table compact' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Currency', 'Channel', 'Total', 'Available'].map((t) => h('th', {}, t)),
      ),
    ),
    h('tbody', {}, rows),
  );
}

function hours(series) {
  const labels = [];
  const start = Date.parse(series.from);
  const first = start - (start % 3_600_000);
  for (let t = first; t < Date.parse(series.to); t += 3_600_000)
    labels.push(new Date(t).toISOString().slice(0, 19) + 'Z');
  return labels;
}

function seriesChart(canvas, series) {
  const labels = hours(series);
  const statuses = [...new Set(series.points.map((p) => p.status))];
  const datasets = statuses.map((status) => ({
    label: status,
    backgroundColor: STATUS_COLORS[status] ?? '#888',
    data: labels.map(
      (at) => series.points.find((p) => p.at === at && p.status === status)?.count ?? 0,
    ),
  }));
  return new window.Chart(canvas, {
    type: 'bar',
    data: {
      labels: labels.map((l) =>
        new Date(l).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }),
      ),
      datasets,
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: {
        x: { stacked: true, grid: { display: false } },
        y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
      },
      plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
    },
  });
}

function outcomeChart(canvas, rows) {
  const outcomes = [...new Set(rows.map((r) => r.outcome))];
  return new window.Chart(canvas, {
    type: 'doughnut',
    data: {
      labels: outcomes,
      datasets: [
        {
          data: outcomes.map((o) =>
            rows.filter((r) => r.outcome === o).reduce((s, r) => s + r.count, 0),
          ),
          backgroundColor: outcomes.map((o) => OUTCOME_COLORS[o] ?? '#888'),
        },
      ],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      plugins: { legend: { position: 'right', labels: { boxWidth: 12 } } },
    },
  });
}

function statusChart(canvas, rows) {
  const statuses = [...new Set(rows.map((r) => r.status))];
  return new window.Chart(canvas, {
    type: 'bar',
    data: {
      labels: statuses,
      datasets: [
        {
          label: 'orders',
          data: statuses.map((s) =>
            rows.filter((r) => r.status === s).reduce((sum, r) => sum + r.count, 0),
          ),
          backgroundColor: statuses.map((s) => STATUS_COLORS[s] ?? '#888'),
        },
      ],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      indexAxis: 'y',
      plugins: { legend: { display: false } },
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
}
