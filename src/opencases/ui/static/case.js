// The case page: a case, its activity, and what the reader's role lets them do to it.
//
// Everything on the page comes from the API and goes back through it: after each change
// the page reads the case again, so what it shows is what the server holds.

import { api } from './api.js';
import { flash, h, replace, severityBadge, statusBadge, when } from './dom.js';
import { idFor, nameOf, settle } from './case-common.js';
import { ActivityMethods } from './case-activity.js';
import { DetailsMethods } from './case-details.js';
import { SectionMethods } from './case-sections.js';

const PER_PAGE = 100;
// Kibana's MAX_USER_ACTIONS_PER_CASE / the largest page: the most pages a case's activity has.
const MAX_PAGES = 100;

/** Add to `profiles` those of `assignees` and of the assignees `actions` name, unless known. */
async function readProfiles(profiles, assignees, actions) {
  const uids = new Set(assignees.map((assignee) => assignee.uid));
  for (const action of actions) {
    for (const assignee of action.payload?.assignees ?? []) if (assignee?.uid) uids.add(assignee.uid);
  }
  const unknown = [...uids].filter((uid) => !profiles.has(uid));
  if (unknown.length === 0) return;
  const found = await settle(
    api('POST', '/internal/security/user_profile/_bulk_get', { body: { uids: unknown, dataPath: 'avatar' } }),
  );
  for (const profile of found.value ?? []) profiles.set(profile.uid, profile);
}

/** The case page, drawn in `main`. */
export async function render(main, context) {
  if (!document.querySelector('link[href="/ui/case.css"]')) {
    document.head.append(h('link', { rel: 'stylesheet', href: '/ui/case.css' }));
  }
  const page = new CasePage(main, context);
  await page.reload();
}

class CasePage {
  constructor(main, context) {
    this.main = main;
    this.context = context;
    this.can = context.can ?? {};
    this.owner = context.app.owner;
    this.caseId = context.caseId;
    this.casePath = `/api/cases/${encodeURIComponent(context.caseId)}`;
    this.internalPath = `/internal/cases/${encodeURIComponent(context.caseId)}`;
    this.root = h('div', { class: 'case-page' });
    replace(main, this.root);
    // What the reader is editing, and what they typed there, kept across redraws.
    this.editing = new Set();
    this.drafts = new Map();
    this.focusNext = null;
    this.suggestSequence = 0;
  }

  get canUpdate() {
    return Boolean(this.can.update_cases);
  }

  get canAssign() {
    return this.canUpdate && this.can.cases_assign !== false;
  }

  // --- reading -----------------------------------------------------------------------

  /** Read the case and everything around it, then draw the page. */
  async reload() {
    let theCase;
    try {
      theCase = await api('GET', this.casePath);
    } catch (error) {
      if (error.status === 404 || error.status === 403) {
        this.drawMissing(error);
        return;
      }
      throw error;
    }
    if (theCase.owner !== this.owner) {
      this.drawMissing(null);
      return;
    }
    const kind = `${this.owner}FilesCases`;
    const [configurations, activity, alerts, connectors, files] = await Promise.all([
      settle(api('GET', '/api/cases/configure', { query: { owner: this.owner } })),
      settle(this.activity()),
      settle(api('GET', `${this.casePath}/alerts`)),
      settle(api('GET', `${this.internalPath}/_connectors`)),
      settle(
        api('POST', `/api/files/files/${kind}/list`, {
          query: { perPage: PER_PAGE },
          body: { meta: { caseIds: [theCase.id] } },
        }),
      ),
    ]);
    const profiles = new Map();
    const read = activity.value ? [activity.value.head[0], activity.value.tail] : [];
    await readProfiles(profiles, theCase.assignees, read.flatMap((found) => found.userActions));
    this.case = theCase;
    this.configuration = configurations.value?.[0] ?? { customFields: [], observableTypes: [] };
    this.activityResult = activity;
    this.alerts = alerts;
    this.connectors = connectors;
    this.files = files;
    this.fileKind = kind;
    this.profiles = profiles;
    this.draw();
  }

  /**
   * The oldest and the newest page of the case's activity, read together; the pages between
   * are read when asked for (`moreActivity`), as Kibana's case view does.
   */
  async activity() {
    const [oldest, newest] = await Promise.all([this.activityPage(1, 'asc'), this.activityPage(1, 'desc')]);
    return { total: oldest.total, head: [oldest], tail: newest };
  }

  activityPage(page, sortOrder) {
    const query = { sortOrder, perPage: PER_PAGE, page };
    return api('GET', `${this.internalPath}/user_actions/_find`, { query });
  }

  /** The case's user actions read so far, oldest first, and what lies between unread. */
  activityRead() {
    const { total, head, tail } = this.activityResult.value;
    const seen = new Set();
    const first = [];
    for (const action of head.flatMap((found) => found.userActions)) {
      seen.add(action.id);
      first.push(action);
    }
    const last = tail.userActions.filter((action) => !seen.has(action.id)).reverse();
    const read = first.length + last.length;
    const latestAttachments = [...head, tail].flatMap((found) => found.latestAttachments ?? []);
    // A case holds at most MAX_PAGES pages of user actions: `total` counts no more.
    const hidden = Math.min(total, MAX_PAGES * PER_PAGE) - read;
    return { first, last, hidden, latestAttachments };
  }

  /** Read the next page of the activity's unread middle, and draw the page again. */
  async moreActivity(control) {
    control.disabled = true;
    const { head } = this.activityResult.value;
    try {
      const found = await this.activityPage(head.length + 1, 'asc');
      await readProfiles(this.profiles, [], found.userActions);
      head.push(found);
    } catch (error) {
      flash(`Could not read more of the activity: ${error?.message ?? error}`);
      control.disabled = false;
      return;
    }
    this.focusNext = control.id;
    this.draw();
  }

  // --- changing ----------------------------------------------------------------------

  /**
   * Do `work` (API calls) with `control` disabled; then read the page again. An error is
   * shown as Kibana words it; a conflict (the case changed meanwhile) reads the page again.
   */
  async act(control, work, { reloadOnError = false, success = null } = {}) {
    this.main.querySelector(':scope > .flash')?.remove();
    // Where the reader was, to be there again once the page is drawn anew.
    this.focusNext ??= document.activeElement?.id || null;
    if (control) control.disabled = true;
    try {
      await work();
    } catch (error) {
      flash(error?.message || 'The request failed.');
      if (error?.status === 409 || reloadOnError) {
        await this.reloadSafely();
      } else {
        this.focusNext = null;
        if (control) control.disabled = false;
      }
      return false;
    }
    await this.reloadSafely();
    if (success) flash(success, 'success');
    return true;
  }

  async reloadSafely() {
    try {
      await this.reload();
    } catch (error) {
      flash(`Could not read the case again: ${error?.message ?? error}`);
    }
  }

  /** PATCH /api/cases: change fields of this case, at the version the page read. */
  patch(fields) {
    return api('PATCH', '/api/cases', {
      body: { cases: [{ id: this.case.id, version: this.case.version, ...fields }] },
    });
  }

  open(key, focusId) {
    this.editing.add(key);
    this.focusNext = focusId;
    this.draw();
  }

  close(key) {
    this.editing.delete(key);
    this.drafts.delete(key);
  }

  // --- drawing -----------------------------------------------------------------------

  draw() {
    const focused = document.activeElement?.id;
    const c = this.case;
    document.title = `${c.title} · ${this.context.app.name} · OpenCases`;
    replace(
      this.root,
      h('p', { class: 'case-back' }, h('a', { href: this.context.base }, `← ${this.context.app.name}`)),
      this.header(),
      h(
        'div',
        { class: 'grid' },
        h(
          'div',
          { class: 'case-main' },
          this.descriptionPanel(),
          this.activityPanel(),
          this.filesPanel(),
          this.alertsPanel(),
          this.observablesPanel(),
        ),
        h('div', { class: 'case-side' }, this.detailsPanel(), this.pushPanel()),
      ),
    );
    const target = this.focusNext ?? focused;
    this.focusNext = null;
    if (target) document.getElementById(target)?.focus();
  }

  drawMissing(error) {
    document.title = `Case not found · OpenCases`;
    replace(
      this.root,
      h('h1', {}, 'Case not found'),
      h(
        'p',
        {},
        error?.status === 403
          ? `You cannot see this case: ${error.message}`
          : error
            ? `There is no case with the id “${this.caseId}” in this space.`
            : `The case “${this.caseId}” belongs to another application.`,
      ),
      h('p', {}, h('a', { href: this.context.base }, `Back to ${this.context.app.name}`)),
    );
  }

  section(id, title, ...children) {
    return h(
      'section',
      { class: 'panel', 'aria-labelledby': id },
      h('h2', { id }, title),
      ...children,
    );
  }

  /** A form to edit one text: a labelled input or textarea, Save and Cancel. */
  editor(key, { label, value, multiline = false, hint = null, saveLabel, save, labelHidden = false, opener = null }) {
    const id = idFor('edit', key);
    const field = multiline
      ? h('textarea', { id, rows: 6 })
      : h('input', { id, type: 'text', autocomplete: 'off' });
    field.value = this.drafts.get(key) ?? value ?? '';
    field.addEventListener('input', () => this.drafts.set(key, field.value));
    const hintId = hint ? `${id}-hint` : null;
    if (hintId) field.setAttribute('aria-describedby', hintId);
    const saveButton = h('button', { type: 'submit', class: 'primary' }, saveLabel);
    return h(
      'form',
      {
        class: 'stack case-editor',
        onsubmit: (event) => {
          event.preventDefault();
          this.act(saveButton, async () => {
            await save(field.value);
            this.close(key);
            this.focusNext = opener;
          });
        },
      },
      h('label', { for: id, class: labelHidden ? 'visually-hidden' : null }, label),
      field,
      hint ? h('span', { id: hintId, class: 'muted case-hint' }, hint) : null,
      h(
        'div',
        { class: 'row' },
        saveButton,
        h(
          'button',
          {
            type: 'button',
            onclick: () => {
              this.close(key);
              this.focusNext = opener;
              this.draw();
            },
          },
          'Cancel',
        ),
      ),
    );
  }

  header() {
    const c = this.case;
    const editingTitle = this.editing.has('title');
    return h(
      'header',
      { class: 'panel case-header' },
      h(
        'div',
        { class: 'row' },
        h('span', { class: 'case-number' }, `#${c.incremental_id}`),
        statusBadge(c.status),
        severityBadge(c.severity),
      ),
      h(
        'div',
        { class: 'case-title-row' },
        h('h1', {}, c.title),
        this.canUpdate && !editingTitle
          ? h('button', { type: 'button', id: 'edit-title-button', onclick: () => this.open('title', 'edit-title') }, 'Edit title')
          : null,
      ),
      editingTitle
        ? this.editor('title', {
            label: 'Title',
            value: c.title,
            opener: 'edit-title-button',
            saveLabel: 'Save title',
            save: async (value) => {
              if (value.trim() !== c.title) await this.patch({ title: value.trim() });
            },
          })
        : null,
      h(
        'p',
        { class: 'muted' },
        'Opened by ',
        h('span', { class: 'who' }, nameOf(c.created_by)),
        ' ',
        when(c.created_at),
        c.updated_at ? [' · updated ', when(c.updated_at)] : null,
        c.closed_at ? [' · closed by ', nameOf(c.closed_by), ' ', when(c.closed_at)] : null,
      ),
      this.can.delete_cases
        ? h(
            'div',
            { class: 'row' },
            h('button', { type: 'button', class: 'danger', onclick: (event) => this.deleteCase(event.currentTarget) }, 'Delete case'),
          )
        : null,
    );
  }

  async deleteCase(button) {
    if (!confirm(`Delete the case “${this.case.title}”? Its comments, files and activity go with it.`)) return;
    this.main.querySelector(':scope > .flash')?.remove();
    button.disabled = true;
    try {
      await api('DELETE', '/api/cases', { query: { ids: JSON.stringify([this.case.id]) } });
    } catch (error) {
      flash(error.message);
      button.disabled = false;
      return;
    }
    location.assign(this.context.base);
  }
}

// The page's parts live in modules of their own; their methods are the page's.
for (const part of [ActivityMethods, DetailsMethods, SectionMethods]) {
  for (const name of Object.getOwnPropertyNames(part.prototype)) {
    if (name !== 'constructor') {
      Object.defineProperty(CasePage.prototype, name, Object.getOwnPropertyDescriptor(part.prototype, name));
    }
  }
}
