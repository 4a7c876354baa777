// The application shell: who and where, the navigation, then the page the path names.

import { api, spaceId, spacePrefix } from './api.js';
import { h, replace } from './dom.js';

// Kibana's application paths of each owner's cases, with its name and capabilities.
export const APPS = [
  {
    path: '/app/management/insightsAndAlerting/cases',
    owner: 'cases',
    name: 'Cases',
    feature: 'generalCasesV3',
  },
  {
    path: '/app/security/cases',
    owner: 'securitySolution',
    name: 'Security cases',
    feature: 'securitySolutionCasesV3',
  },
  {
    path: '/app/observability/cases',
    owner: 'observability',
    name: 'Observability cases',
    feature: 'observabilityCasesV3',
  },
];
export const CONNECTORS_PATH = '/app/management/insightsAndAlerting/triggersActionsConnectors/connectors';

/** What the path names: an owner's cases (list, create, configure or one case), or connectors. */
function route(path) {
  if (path === CONNECTORS_PATH) return { page: 'connectors' };
  for (const app of APPS) {
    if (path === app.path) return { page: 'list', app };
    if (path.startsWith(`${app.path}/`)) {
      const rest = decodeURIComponent(path.slice(app.path.length + 1));
      if (rest === 'create') return { page: 'create', app };
      if (rest === 'configure') return { page: 'configure', app };
      return { page: 'case', app, caseId: rest };
    }
  }
  return { page: 'unknown' };
}

const PAGES = {
  list: () => import('./list.js'),
  case: () => import('./case.js'),
  create: () => import('./create.js'),
  configure: () => import('./configure.js'),
  connectors: () => import('./connectors.js'),
};

async function start() {
  const main = document.getElementById('main');
  const path = location.pathname.slice(spacePrefix.length) || '/';
  const [me, spaces, capabilities] = await Promise.all([
    api('GET', '/internal/security/me', { global: true }),
    api('GET', '/api/spaces/space', { global: true }),
    api('POST', '/api/core/capabilities', { body: { applications: [] } }),
  ]);
  const readable = APPS.filter((app) => capabilities[app.feature]?.read_cases);
  const found = route(path);

  document.getElementById('user-name').textContent = me.full_name || me.username;
  document.getElementById('user-roles').textContent = me.roles.join(', ') || 'no roles';
  const nav = document.getElementById('nav');
  replace(
    nav,
    readable.map((app) =>
      h('a', { href: spacePrefix + app.path, 'aria-current': found.app === app ? 'page' : null }, app.name),
    ),
    capabilities.actions?.show
      ? h('a', { href: spacePrefix + CONNECTORS_PATH, 'aria-current': found.page === 'connectors' ? 'page' : null }, 'Connectors')
      : null,
  );
  const switcher = document.getElementById('space-switcher');
  replace(
    switcher,
    spaces.map((space) => h('option', { value: space.id, selected: space.id === spaceId }, space.name)),
  );
  switcher.addEventListener('change', () => {
    const prefix = switcher.value === 'default' ? '' : `/s/${switcher.value}`;
    location.assign(prefix + (found.app ? found.app.path : path));
  });

  if (found.page === 'unknown' || (found.app && !readable.includes(found.app))) {
    const first = readable[0];
    replace(
      main,
      h('h1', {}, found.page === 'unknown' ? 'Page not found' : 'You cannot see these cases'),
      first ? h('p', {}, h('a', { href: spacePrefix + first.path }, `Go to ${first.name}`)) : h('p', {}, 'Your roles give you no cases in this space.'),
    );
    return;
  }
  if (found.page === 'connectors' && !capabilities.actions?.show) {
    replace(main, h('h1', {}, 'You cannot see connectors'));
    return;
  }
  const can = found.app ? capabilities[found.app.feature] : {};
  const context = {
    me,
    app: found.app,
    caseId: found.caseId,
    can,
    capabilities,
    base: found.app ? spacePrefix + found.app.path : '',
  };
  const module = await PAGES[found.page]();
  replace(main);
  await module.render(main, context);
}

start().catch((error) => {
  replace(document.getElementById('main'), h('p', { class: 'flash error', role: 'alert' }, `Could not load the page: ${error.message}`));
});
