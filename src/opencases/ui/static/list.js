// The case list of one owner: counts, search and filters, sortable columns, paging, bulk actions.

import { api } from './api.js';
import { SEVERITIES, STATUSES, flash, h, replace, severityBadge, statusBadge, when } from './dom.js';

const PER_PAGE = [10, 25, 50, 100];
// The filters of Kibana's _find the page offers, as kept in the page's own URL.
const FILTERS = ['search', 'status', 'severity', 'tags', 'assignees', 'reporters', 'category'];

/** The list's state: the filters, sort and page, read from and written to the page's URL. */
function readState() {
  const query = new URLSearchParams(location.search);
  const state = {
    sortField: query.get('sortField') || 'createdAt',
    sortOrder: query.get('sortOrder') === 'asc' ? 'asc' : 'desc',
    page: Math.max(1, Number(query.get('page')) || 1),
    perPage: PER_PAGE.includes(Number(query.get('perPage'))) ? Number(query.get('perPage')) : 10,
  };
  for (const name of FILTERS) state[name] = query.get(name) || '';
  return state;
}

const DEFAULTS = { sortField: 'createdAt', sortOrder: 'desc', page: 1, perPage: 10 };

function writeState(state) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(state)) {
    if (value !== '' && value !== DEFAULTS[name]) query.set(name, value);
  }
  const search = query.size ? `?${query}` : '';
  history.replaceState(null, '', location.pathname + search);
}

/** Render the list into `main`. */
export async function render(main, context) {
  const { app, can, base } = context;
  const owner = app.owner;
  const state = readState();
  const selected = new Map();
  const [tags, reporters, categories, profiles] = await Promise.all([
    api('GET', '/api/cases/tags', { query: { owner } }),
    api('GET', '/api/cases/reporters', { query: { owner } }),
    api('GET', '/internal/cases/categories', { query: { owner } }),
    can.cases_assign || can.read_cases
      ? api('POST', '/internal/cases/_suggest_user_profiles', { body: { name: '', owners: [owner], size: 10 } }).catch(() => [])
      : [],
  ]);

  const counts = h('div', { class: 'counts panel', 'aria-label': 'Cases by status' });
  const table = h('div');
  const bulk = h('div', { class: 'row', role: 'toolbar', 'aria-label': 'Bulk actions' });

  const select = (name, label, options, { all = 'All' } = {}) =>
    h(
      'span',
      {},
      h('label', { for: `filter-${name}` }, label),
      ' ',
      h(
        'select',
        {
          id: `filter-${name}`,
          name,
          onchange: (event) => {
            state[name] = event.target.value;
            state.page = 1;
            load();
          },
        },
        h('option', { value: '' }, all),
        options.map(([value, text]) => h('option', { value, selected: state[name] === value }, text)),
      ),
    );
  const search = h('input', {
    type: 'search',
    name: 'search',
    value: state.search,
    placeholder: 'Search cases, or #number',
    'aria-label': 'Search cases',
  });
  const filters = h(
    'form',
    {
      class: 'row panel',
      role: 'search',
      onsubmit: (event) => {
        event.preventDefault();
        state.search = search.value.trim();
        state.page = 1;
        load();
      },
    },
    search,
    h('button', { type: 'submit' }, 'Search'),
    select('status', 'Status', STATUSES),
    select('severity', 'Severity', SEVERITIES),
    select('tags', 'Tags', tags.map((tag) => [tag, tag])),
    select('assignees', 'Assignees', [
      ['none', 'No assignees'],
      ...profiles.map((profile) => [profile.uid, profile.user.full_name || profile.user.username]),
    ]),
    select(
      'reporters',
      'Reporter',
      reporters.map((user) => [user.username, user.full_name || user.username]),
    ),
    select('category', 'Category', categories.map((category) => [category, category])),
  );

  replace(
    main,
    h(
      'div',
      { class: 'row' },
      h('h1', {}, 'Cases'),
      h('span', { class: 'spacer' }),
      can.cases_settings ? h('a', { class: 'button', href: `${base}/configure` }, 'Settings') : null,
      can.create_cases ? h('a', { class: 'button primary', href: `${base}/create` }, 'Create case') : null,
    ),
    counts,
    filters,
    bulk,
    table,
  );

  // Each load is numbered: an answer that comes after a newer load's is dropped.
  let loads = 0;

  async function load() {
    writeState(state);
    const current = ++loads;
    let found;
    try {
      found = await api('GET', '/api/cases/_find', {
        query: {
          owner,
          sortField: state.sortField,
          sortOrder: state.sortOrder,
          page: state.page,
          perPage: state.perPage,
          search: state.search,
          status: state.status,
          severity: state.severity,
          tags: state.tags,
          assignees: state.assignees,
          reporters: state.reporters,
          category: state.category,
        },
      });
    } catch (error) {
      if (current === loads) flash(error.message);
      return;
    }
    if (current !== loads) return;
    selected.clear();
    replace(
      counts,
      h('div', {}, h('strong', {}, found.count_open_cases), 'Open cases'),
      h('div', {}, h('strong', {}, found.count_in_progress_cases), 'In progress cases'),
      h('div', {}, h('strong', {}, found.count_closed_cases), 'Closed cases'),
    );
    renderBulk();
    renderTable(found);
  }

  function renderBulk() {
    const none = selected.size === 0;
    const label = none ? 'Select cases for bulk actions' : `${selected.size} selected`;
    replace(
      bulk,
      h('span', { class: 'muted' }, label),
      can.update_cases
        ? STATUSES.map(([status, text]) =>
            h('button', { type: 'button', disabled: none, onclick: () => setStatus(status) }, `Mark as ${text.toLowerCase()}`),
          )
        : null,
      can.delete_cases
        ? h('button', { type: 'button', class: 'danger', disabled: none, onclick: deleteSelected }, 'Delete cases')
        : null,
    );
  }

  async function setStatus(status) {
    const cases = [...selected.values()].map((item) => ({ id: item.id, version: item.version, status }));
    try {
      await api('PATCH', '/api/cases', { body: { cases } });
      flash(`Updated ${cases.length} case${cases.length === 1 ? '' : 's'}`, 'success');
    } catch (error) {
      flash(error.message);
    }
    await load();
  }

  async function deleteSelected() {
    const ids = [...selected.keys()];
    if (!confirm(`Delete ${ids.length} case${ids.length === 1 ? '' : 's'}? This cannot be undone.`)) return;
    try {
      await api('DELETE', '/api/cases', { query: { ids: JSON.stringify(ids) } });
      flash(`Deleted ${ids.length} case${ids.length === 1 ? '' : 's'}`, 'success');
    } catch (error) {
      flash(error.message);
    }
    await load();
  }

  function sortHeader(field, text) {
    const active = state.sortField === field;
    const order = active ? (state.sortOrder === 'asc' ? 'ascending' : 'descending') : 'none';
    return h(
      'th',
      { 'aria-sort': order, scope: 'col' },
      h(
        'button',
        {
          type: 'button',
          class: 'sort',
          onclick: () => {
            state.sortOrder = active && state.sortOrder === 'desc' ? 'asc' : 'desc';
            state.sortField = field;
            load();
          },
        },
        text,
        active ? (state.sortOrder === 'asc' ? ' ▲' : ' ▼') : '',
      ),
    );
  }

  function renderTable(found) {
    const selectable = can.update_cases || can.delete_cases;
    const rows = found.cases.map((item) =>
      h(
        'tr',
        {},
        selectable
          ? h(
              'td',
              {},
              h('input', {
                type: 'checkbox',
                'aria-label': `Select ${item.title}`,
                onchange: (event) => {
                  if (event.target.checked) selected.set(item.id, item);
                  else selected.delete(item.id);
                  renderBulk();
                },
              }),
            )
          : null,
        h(
          'td',
          {},
          h('a', { href: `${base}/${encodeURIComponent(item.id)}` }, item.title),
          item.incremental_id != null ? h('span', { class: 'muted' }, ` #${item.incremental_id}`) : null,
        ),
        h('td', {}, item.assignees.length ? `${item.assignees.length} assigned` : h('span', { class: 'muted' }, '—')),
        h('td', {}, item.tags.map((tag) => h('span', { class: 'tag' }, tag))),
        h('td', {}, item.totalAlerts),
        h('td', {}, item.totalComment),
        h('td', {}, item.category ?? h('span', { class: 'muted' }, '—')),
        h('td', {}, when(item.created_at)),
        h('td', {}, when(item.updated_at)),
        h('td', {}, when(item.closed_at)),
        h('td', {}, severityBadge(item.severity)),
        h('td', {}, statusBadge(item.status)),
      ),
    );
    const pages = Math.max(1, Math.ceil(found.total / state.perPage));
    replace(
      table,
      h(
        'table',
        { 'aria-label': 'Cases' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            selectable ? h('th', { scope: 'col' }, h('span', { class: 'muted' }, 'Select')) : null,
            sortHeader('title', 'Name'),
            h('th', { scope: 'col' }, 'Assignees'),
            h('th', { scope: 'col' }, 'Tags'),
            h('th', { scope: 'col' }, 'Alerts'),
            h('th', { scope: 'col' }, 'Comments'),
            sortHeader('category', 'Category'),
            sortHeader('createdAt', 'Created on'),
            sortHeader('updatedAt', 'Updated on'),
            sortHeader('closedAt', 'Closed on'),
            sortHeader('severity', 'Severity'),
            sortHeader('status', 'Status'),
          ),
        ),
        h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: 12, class: 'muted' }, 'No cases to show'))),
      ),
      h(
        'nav',
        { class: 'pager', 'aria-label': 'Pages' },
        h('span', { class: 'muted' }, `Showing ${found.cases.length} of ${found.total} cases`),
        h('label', { for: 'rows-per-page' }, 'Rows per page'),
        h(
            'select',
            {
              id: 'rows-per-page',
              onchange: (event) => {
                state.perPage = Number(event.target.value);
                state.page = 1;
                load();
              },
            },
            PER_PAGE.map((size) => h('option', { value: size, selected: size === state.perPage }, size)),
        ),
        h('button', { type: 'button', disabled: state.page <= 1, onclick: () => { state.page -= 1; load(); } }, 'Previous page'),
        h('span', {}, `Page ${state.page} of ${pages}`),
        h('button', { type: 'button', disabled: state.page >= pages, onclick: () => { state.page += 1; load(); } }, 'Next page'),
      ),
    );
  }

  await load();
}
