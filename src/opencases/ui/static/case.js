// The case page: a case, its activity, and what the reader's role lets them do to it.
//
// Everything on the page comes from the API and goes back through it: after each change
// the page reads the case again, so what it shows is what the server holds.

import { api, spacePrefix } from './api.js';
import { SEVERITIES, SEVERITY_WORDS, STATUSES, STATUS_WORDS, flash, h, replace, severityBadge, statusBadge, when } from './dom.js';
import { markdown } from './markdown.js';

// Kibana's OBSERVABLE_TYPES_BUILTIN, in its order.
const BUILTIN_OBSERVABLE_TYPES = [
  { key: 'observable-type-ipv4', label: 'IPv4' },
  { key: 'observable-type-ipv6', label: 'IPv6' },
  { key: 'observable-type-url', label: 'URL' },
  { key: 'observable-type-hostname', label: 'Hostname' },
  { key: 'observable-type-file-hash', label: 'File hash' },
  { key: 'observable-type-file-path', label: 'File path' },
  { key: 'observable-type-email', label: 'Email' },
  { key: 'observable-type-domain', label: 'Domain' },
];
const FILES_TYPE_ID = '.files';
const PER_PAGE = 100;
// Kibana's MAX_USER_ACTIONS_PER_CASE / the largest page: the most pages a case's activity has.
const MAX_PAGES = 100;

/** The case page, drawn in `main`. */
export async function render(main, context) {
  if (!document.querySelector('link[href="/ui/case.css"]')) {
    document.head.append(h('link', { rel: 'stylesheet', href: '/ui/case.css' }));
  }
  const page = new CasePage(main, context);
  await page.reload();
}

/** Who a user reference names: full name, else username, else email. */
function nameOf(user) {
  return user?.full_name || user?.username || user?.email || 'Unknown';
}

/** What a promise gives, or the error it fails with: a section that fails says so alone. */
async function settle(promise) {
  try {
    return { value: await promise };
  } catch (error) {
    return { error };
  }
}

function sameList(left, right) {
  return left.length === right.length && left.every((item, index) => item === right[index]);
}

function fileName(file) {
  return file.extension ? `${file.name}.${file.extension}` : file.name;
}

function safeUrl(url) {
  return typeof url === 'string' && /^https?:\/\//i.test(url) ? url : null;
}

function sizeOf(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A form field's id from any key (custom field keys and comment ids may hold anything). */
function idFor(prefix, key) {
  return `${prefix}-${String(key).replace(/[^A-Za-z0-9_-]/g, '_')}`;
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
    const uids = new Set(theCase.assignees.map((assignee) => assignee.uid));
    for (const action of activity.value?.userActions ?? []) {
      for (const assignee of action.payload?.assignees ?? []) if (assignee?.uid) uids.add(assignee.uid);
    }
    const profiles = new Map();
    if (uids.size > 0) {
      const found = await settle(
        api('POST', '/internal/security/user_profile/_bulk_get', { body: { uids: [...uids], dataPath: 'avatar' } }),
      );
      for (const profile of found.value ?? []) profiles.set(profile.uid, profile);
    }
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

  /** Every user action of the case, oldest first, and the attachments they name. */
  async activity() {
    const path = `${this.internalPath}/user_actions/_find`;
    const query = (page) => ({ sortOrder: 'asc', perPage: PER_PAGE, page });
    const first = await api('GET', path, { query: query(1) });
    const pages = Math.min(Math.ceil(first.total / PER_PAGE), MAX_PAGES);
    const rest = await Promise.all(
      Array.from({ length: Math.max(pages - 1, 0) }, (_, index) => api('GET', path, { query: query(index + 2) })),
    );
    const all = [first, ...rest];
    return {
      userActions: all.flatMap((found) => found.userActions),
      latestAttachments: all.flatMap((found) => found.latestAttachments ?? []),
    };
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

  descriptionPanel() {
    const c = this.case;
    const editing = this.editing.has('description');
    return this.section(
      'case-description',
      'Description',
      editing
        ? this.editor('description', {
            label: 'Description',
            value: c.description,
            opener: 'edit-description-button',
            multiline: true,
            hint: 'Markdown is supported.',
            saveLabel: 'Save description',
            save: async (value) => {
              if (value !== c.description) await this.patch({ description: value });
            },
          })
        : markdown(c.description),
      this.canUpdate && !editing
        ? h(
            'div',
            { class: 'row' },
            h('button', { type: 'button', id: 'edit-description-button', onclick: () => this.open('description', 'edit-description') }, 'Edit description'),
          )
        : null,
    );
  }

  // --- the activity ------------------------------------------------------------------

  activityPanel() {
    const result = this.activityResult;
    if (result.error) {
      return this.section('case-activity', 'Activity', h('p', { class: 'error' }, `Could not read the activity: ${result.error.message}`));
    }
    const latest = new Map(result.value.latestAttachments.map((attachment) => [attachment.id, attachment]));
    const pushedTo = new Set();
    const items = [];
    for (const action of result.value.userActions) {
      const item = this.feedItem(action, latest, pushedTo);
      if (item) items.push(item);
    }
    return this.section(
      'case-activity',
      'Activity',
      items.length ? h('ol', { class: 'feed case-feed', 'aria-labelledby': 'case-activity' }, items) : h('p', { class: 'muted' }, 'No activity yet.'),
      this.commentForm(),
    );
  }

  feedItem(action, latest, pushedTo) {
    const payload = action.payload ?? {};
    if (action.type === 'comment') {
      const request = payload.comment ?? {};
      const attachment = action.comment_id ? latest.get(action.comment_id) : null;
      if (request.type === 'user' && action.action === 'create') {
        return attachment ? this.commentItem(action, attachment) : null;
      }
      if (request.type === 'actions' && action.action === 'create') {
        return this.event(action, this.hostAction(request), markdown(attachment?.comment ?? request.comment ?? ''));
      }
      return this.event(action, this.attachmentWords(action, request));
    }
    const words = this.describe(action, pushedTo);
    return words ? this.event(action, words) : null;
  }

  /** One event of the feed: who, what in words, when. */
  event(action, words, ...more) {
    return h(
      'li',
      { class: `case-event case-event-${action.type}` },
      h('p', { class: 'case-event-line' }, h('span', { class: 'who' }, nameOf(action.created_by)), ' ', h('span', { class: 'what' }, words), ' ', when(action.created_at)),
      ...more,
    );
  }

  commentItem(action, attachment) {
    const key = `comment:${attachment.id}`;
    const editing = this.editing.has(key);
    const author = nameOf(attachment.created_by);
    const edit = this.canUpdate && !editing;
    const remove = this.can.delete_cases && !editing;
    const quote = this.can.create_comment && !editing;
    return h(
      'li',
      { class: 'case-event case-comment' },
      h(
        'article',
        { class: 'comment', 'aria-label': `Comment by ${author}` },
        h(
          'header',
          { class: 'comment-header' },
          h('span', { class: 'who' }, author),
          ' commented ',
          when(attachment.created_at),
          attachment.updated_at ? h('span', { class: 'muted' }, ' (edited ', when(attachment.updated_at), ')') : null,
          edit || remove || quote
            ? h(
                'span',
                { class: 'comment-actions' },
                quote ? h('button', { type: 'button', class: 'link', onclick: () => this.quote(attachment.comment) }, 'Quote') : null,
                edit
                  ? h('button', { type: 'button', class: 'link', id: idFor('edit-comment-button', attachment.id), onclick: () => this.open(key, idFor('edit', key)) }, 'Edit')
                  : null,
                remove
                  ? h('button', { type: 'button', class: 'link danger-link', onclick: (event) => this.deleteComment(event.currentTarget, attachment) }, 'Delete')
                  : null,
              )
            : null,
        ),
        editing
          ? this.editor(key, {
              label: 'Edit comment',
              value: attachment.comment,
              opener: idFor('edit-comment-button', attachment.id),
              multiline: true,
              saveLabel: 'Save comment',
              save: async (value) => {
                if (value === attachment.comment) return;
                await api('PATCH', `${this.casePath}/comments`, {
                  body: { id: attachment.id, version: attachment.version, type: 'user', comment: value, owner: attachment.owner },
                });
              },
            })
          : markdown(attachment.comment),
      ),
    );
  }

  quote(text) {
    const quoted = (text ?? '')
      .split('\n')
      .map((line) => `> ${line}`)
      .join('\n');
    const draft = this.drafts.get('new-comment') ?? '';
    this.drafts.set('new-comment', `${draft}${draft && !draft.endsWith('\n') ? '\n' : ''}${quoted}\n\n`);
    this.focusNext = 'new-comment';
    this.draw();
  }

  deleteComment(button, attachment) {
    if (!confirm('Delete this comment?')) return;
    this.act(button, () => api('DELETE', `${this.casePath}/comments/${encodeURIComponent(attachment.id)}`));
  }

  commentForm() {
    if (!this.can.create_comment) return null;
    const field = h('textarea', { id: 'new-comment', rows: 5, 'aria-describedby': 'new-comment-hint' });
    field.value = this.drafts.get('new-comment') ?? '';
    const button = h('button', { type: 'submit', class: 'primary', disabled: !field.value.trim() }, 'Add comment');
    field.addEventListener('input', () => {
      this.drafts.set('new-comment', field.value);
      button.disabled = !field.value.trim();
    });
    return h(
      'form',
      {
        class: 'stack case-comment-form',
        onsubmit: (event) => {
          event.preventDefault();
          if (!field.value.trim()) return;
          this.act(button, async () => {
            await api('POST', `${this.casePath}/comments`, { body: { type: 'user', comment: field.value, owner: this.case.owner } });
            this.drafts.delete('new-comment');
          });
        },
      },
      h('label', { for: 'new-comment' }, 'Comment'),
      field,
      h('span', { id: 'new-comment-hint', class: 'muted case-hint' }, 'Markdown is supported.'),
      h('div', { class: 'row' }, button),
    );
  }

  hostAction(request) {
    const hosts = (request.actions?.targets ?? []).map((target) => target.hostname).join(', ');
    return `${request.actions?.type === 'isolate' ? 'isolated' : 'released'} host ${hosts}`;
  }

  attachmentWords(action, request) {
    const added = action.action !== 'delete';
    const verb = action.action === 'delete' ? 'removed' : action.action === 'update' ? 'edited' : 'added';
    if (request.type === 'user') return `${verb} a comment`;
    if (request.type === 'alert') {
      const count = Array.isArray(request.alertId) ? request.alertId.length : 1;
      const what = count === 1 ? 'an alert' : `${count} alerts`;
      const rule = added && request.rule?.name ? ` from ${request.rule.name}` : '';
      return `${verb} ${what}${rule}`;
    }
    if (request.type === 'externalReference' && request.externalReferenceAttachmentTypeId === FILES_TYPE_ID) {
      const [file] = request.externalReferenceMetadata?.files ?? [];
      return file ? `${verb} a file ${fileName(file)}` : `${verb} a file`;
    }
    if (request.type === 'actions') return `${verb} a host action`;
    return `${verb} an attachment`;
  }

  /** A user action other than an attachment's, in words. */
  describe(action, pushedTo) {
    const p = action.payload ?? {};
    switch (action.type) {
      case 'create_case':
        return 'created the case';
      case 'delete_case':
        return 'deleted the case';
      case 'title':
        return `edited the title to “${p.title}”`;
      case 'description':
        return 'edited the description';
      case 'status':
        return `changed the status to ${STATUS_WORDS[p.status] ?? p.status}`;
      case 'severity':
        return `changed the severity to ${SEVERITY_WORDS[p.severity] ?? p.severity}`;
      case 'tags': {
        const tags = p.tags ?? [];
        const verb = action.action === 'delete' ? 'removed' : 'added';
        return `${verb} ${tags.length === 1 ? 'the tag' : 'tags'} ${tags.join(', ')}`;
      }
      case 'assignees': {
        const names = (p.assignees ?? []).map((assignee) =>
          assignee.uid && assignee.uid === action.created_by?.profile_uid ? 'themselves' : this.profileName(assignee.uid),
        );
        return `${action.action === 'delete' ? 'unassigned' : 'assigned'} ${names.join(', ')}`;
      }
      case 'category':
        return p.category ? `changed the category to ${p.category}` : 'removed the category';
      case 'connector':
        return !p.connector || p.connector.id === 'none' ? 'removed the connector' : `changed the connector to ${p.connector.name}`;
      case 'settings':
        return p.settings?.syncAlerts ? 'turned on syncing alerts with the case status' : 'turned off syncing alerts with the case status';
      case 'customFields':
        return (p.customFields ?? []).map((value) => this.customFieldWords(value)).join('; ');
      case 'observables': {
        const { count = 1, actionType = 'add' } = p.observables ?? {};
        const verb = { add: 'added', update: 'updated', delete: 'deleted' }[actionType] ?? 'changed';
        return count === 1 ? `${verb} an observable` : `${verb} ${count} observables`;
      }
      case 'pushed': {
        const service = p.externalService ?? {};
        const first = !pushedTo.has(service.connector_id);
        pushedTo.add(service.connector_id);
        const url = safeUrl(service.external_url);
        const title = service.external_title ?? service.external_id;
        return [
          first ? 'pushed as new incident ' : 'updated incident ',
          service.connector_name ?? '',
          ' ',
          url ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, title) : title,
        ];
      }
      default:
        return `changed the ${action.type}`;
    }
  }

  customFieldWords(value) {
    const field = (this.configuration.customFields ?? []).find((found) => found.key === value.key);
    const label = field?.label ?? value.key;
    if (value.value === null || value.value === undefined) return `removed the value of ${label}`;
    if (value.type === 'toggle') return `turned ${value.value ? 'on' : 'off'} ${label}`;
    return `changed ${label} to ${value.value}`;
  }

  profileName(uid) {
    const profile = this.profiles.get(uid);
    return profile ? nameOf(profile.user) : 'an unknown user';
  }

  // --- the sidebar -------------------------------------------------------------------

  detailsPanel() {
    const c = this.case;
    return this.section(
      'case-details',
      'Details',
      h(
        'dl',
        { class: 'fields case-fields' },
        h('dt', {}, this.canUpdate ? h('label', { for: 'case-status' }, 'Status') : 'Status'),
        h('dd', {}, this.canUpdate ? this.statusSelect() : statusBadge(c.status)),
        h('dt', {}, this.canUpdate ? h('label', { for: 'case-severity' }, 'Severity') : 'Severity'),
        h('dd', {}, this.canUpdate ? this.severitySelect() : severityBadge(c.severity)),
      ),
      this.assigneesField(),
      this.tagsField(),
      this.categoryField(),
      this.customFieldsField(),
      this.syncField(),
    );
  }

  statusSelect() {
    const c = this.case;
    // Reopening a closed case is its own privilege.
    const locked = c.status === 'closed' && this.can.case_reopen === false;
    const select = h(
      'select',
      { id: 'case-status' },
      STATUSES.map(([value, label]) => h('option', { value, selected: value === c.status, disabled: locked && value !== 'closed' }, label)),
    );
    select.addEventListener('change', () => this.act(select, () => this.patch({ status: select.value }), { reloadOnError: true }));
    return select;
  }

  severitySelect() {
    const c = this.case;
    const select = h(
      'select',
      { id: 'case-severity' },
      SEVERITIES.map(([value, label]) => h('option', { value, selected: value === c.severity }, label)),
    );
    select.addEventListener('change', () => this.act(select, () => this.patch({ severity: select.value }), { reloadOnError: true }));
    return select;
  }

  sideField(id, title, { editKey = null, editLabel = null } = {}, ...children) {
    const canEdit = editKey && this.canUpdate && !this.editing.has(editKey);
    return h(
      'div',
      { class: 'case-side-field' },
      h(
        'div',
        { class: 'case-side-title' },
        h('h3', { id }, title),
        canEdit
          ? h('button', { type: 'button', class: 'link', id: `${id}-edit`, 'aria-label': editLabel, onclick: () => this.open(editKey, idFor('edit', editKey)) }, 'Edit')
          : null,
      ),
      ...children,
    );
  }

  assigneesField() {
    const c = this.case;
    const assigned = c.assignees.map((assignee) => assignee.uid);
    const list = c.assignees.length
      ? h(
          'ul',
          { class: 'case-plain-list', 'aria-labelledby': 'case-assignees' },
          c.assignees.map((assignee) => {
            const name = this.profileName(assignee.uid);
            return h(
              'li',
              { class: 'row' },
              h('span', {}, name),
              this.canAssign
                ? h(
                    'button',
                    {
                      type: 'button',
                      class: 'link',
                      'aria-label': `Unassign ${name}`,
                      onclick: (event) =>
                        this.act(event.currentTarget, () =>
                          this.patch({ assignees: assigned.filter((uid) => uid !== assignee.uid).map((uid) => ({ uid })) }),
                        ),
                    },
                    'Remove',
                  )
                : null,
            );
          }),
        )
      : h('p', { class: 'muted' }, 'No one is assigned.');
    let controls = null;
    if (this.canAssign) {
      const mine = this.context.me?.profile_uid;
      const suggestions = h('ul', { class: 'case-plain-list case-suggestions', id: 'assignee-suggestions', 'aria-live': 'polite' });
      const search = h('input', { id: 'assignee-search', type: 'search', autocomplete: 'off' });
      let timer = null;
      search.addEventListener('input', () => {
        clearTimeout(timer);
        timer = setTimeout(() => this.suggest(search.value, suggestions, assigned), 250);
      });
      controls = h(
        'div',
        { class: 'stack' },
        mine && !assigned.includes(mine)
          ? h(
              'div',
              {},
              h(
                'button',
                {
                  type: 'button',
                  class: 'link',
                  onclick: (event) => this.act(event.currentTarget, () => this.patch({ assignees: [...assigned, mine].map((uid) => ({ uid })) })),
                },
                'Assign yourself',
              ),
            )
          : null,
        h('label', { for: 'assignee-search' }, 'Assign a user'),
        search,
        suggestions,
      );
    }
    return this.sideField('case-assignees', 'Assignees', {}, list, controls);
  }

  async suggest(name, list, assigned) {
    const sequence = ++this.suggestSequence;
    if (!name.trim()) {
      replace(list);
      return;
    }
    let profiles;
    try {
      profiles = await api('POST', '/internal/cases/_suggest_user_profiles', { body: { name: name.trim(), owners: [this.owner], size: 10 } });
    } catch (error) {
      if (sequence === this.suggestSequence) replace(list, h('li', { class: 'error' }, error.message));
      return;
    }
    if (sequence !== this.suggestSequence) return;
    const choices = profiles.filter((profile) => !assigned.includes(profile.uid));
    replace(
      list,
      choices.length
        ? choices.map((profile) => {
            const label = nameOf(profile.user);
            return h(
              'li',
              {},
              h(
                'button',
                {
                  type: 'button',
                  class: 'link',
                  onclick: (event) =>
                    this.act(event.currentTarget, () => this.patch({ assignees: [...assigned, profile.uid].map((uid) => ({ uid })) })),
                },
                `Assign ${label}`,
              ),
              profile.user.full_name ? h('span', { class: 'muted' }, ` (${profile.user.username})`) : null,
            );
          })
        : h('li', { class: 'muted' }, 'No matching users.'),
    );
  }

  tagsField() {
    const c = this.case;
    const editing = this.editing.has('tags');
    return this.sideField(
      'case-tags',
      'Tags',
      { editKey: 'tags', editLabel: 'Edit tags' },
      editing
        ? this.editor('tags', {
            label: 'Tags',
            labelHidden: true,
            opener: 'case-tags-edit',
            value: c.tags.join(', '),
            hint: 'Separate tags with commas.',
            saveLabel: 'Save tags',
            save: async (value) => {
              const tags = [...new Set(value.split(',').map((tag) => tag.trim()).filter(Boolean))];
              if (!sameList(tags, c.tags)) await this.patch({ tags });
            },
          })
        : c.tags.length
          ? h('div', { class: 'case-tags' }, c.tags.map((tag) => h('span', { class: 'tag' }, tag)))
          : h('p', { class: 'muted' }, 'No tags.'),
    );
  }

  categoryField() {
    const c = this.case;
    const editing = this.editing.has('category');
    return this.sideField(
      'case-category',
      'Category',
      { editKey: 'category', editLabel: 'Edit category' },
      editing
        ? this.editor('category', {
            label: 'Category',
            labelHidden: true,
            opener: 'case-category-edit',
            value: c.category ?? '',
            hint: 'Leave empty for none.',
            saveLabel: 'Save category',
            save: async (value) => {
              const category = value.trim() || null;
              if (category !== (c.category ?? null)) await this.patch({ category });
            },
          })
        : c.category
          ? h('p', {}, c.category)
          : h('p', { class: 'muted' }, 'No category.'),
    );
  }

  customFieldsField() {
    const fields = this.configuration.customFields ?? [];
    if (!fields.length) return null;
    const values = new Map(this.case.customFields.map((value) => [value.key, value.value]));
    if (!this.canUpdate) {
      return this.sideField(
        'case-custom-fields',
        'Custom fields',
        {},
        h(
          'dl',
          { class: 'fields' },
          fields.map((field) => {
            const value = values.get(field.key);
            const shown = value === null || value === undefined ? '—' : field.type === 'toggle' ? (value ? 'On' : 'Off') : String(value);
            return [h('dt', {}, field.label), h('dd', {}, shown)];
          }),
        ),
      );
    }
    const inputs = fields.map((field, index) => {
      const id = idFor('custom-field', index);
      const value = values.get(field.key);
      const label = `${field.label}${field.required ? ' (required)' : ''}`;
      if (field.type === 'toggle') {
        const input = h('input', { id, type: 'checkbox', checked: Boolean(value) });
        return { field, input, element: h('div', { class: 'case-check' }, input, h('label', { for: id }, label)) };
      }
      const input = h('input', {
        id,
        type: field.type === 'number' ? 'number' : 'text',
        step: field.type === 'number' ? '1' : null,
        autocomplete: 'off',
      });
      input.value = value === null || value === undefined ? '' : String(value);
      return { field, input, element: h('div', { class: 'stack case-custom-field' }, h('label', { for: id }, label), input) };
    });
    const button = h('button', { type: 'submit' }, 'Save custom fields');
    const read = ({ field, input }) => {
      if (field.type === 'toggle') return input.checked;
      const text = input.value.trim();
      if (!text) return null;
      return field.type === 'number' ? Number(text) : text;
    };
    return this.sideField(
      'case-custom-fields',
      'Custom fields',
      {},
      h(
        'form',
        {
          class: 'stack',
          onsubmit: (event) => {
            event.preventDefault();
            const customFields = inputs.map((entry) => ({ key: entry.field.key, type: entry.field.type, value: read(entry) }));
            const changed = customFields.some(({ key, type, value }) => {
              const before = values.get(key) ?? null;
              return type === 'toggle' ? Boolean(before) !== value || before === null : before !== value;
            });
            if (!changed) return;
            this.act(button, () => this.patch({ customFields }));
          },
        },
        inputs.map((entry) => entry.element),
        h('div', { class: 'row' }, button),
      ),
    );
  }

  syncField() {
    // Only security cases have alerts whose status follows the case's.
    if (this.owner !== 'securitySolution') return null;
    const c = this.case;
    const on = Boolean(c.settings?.syncAlerts);
    if (!this.canUpdate) {
      return this.sideField('case-sync', 'Alert sync', {}, h('p', {}, on ? 'Alert statuses follow the case status.' : 'Alert statuses do not follow the case status.'));
    }
    const input = h('input', { id: 'case-sync-alerts', type: 'checkbox', checked: on });
    input.addEventListener('change', () =>
      this.act(input, () => this.patch({ settings: { ...c.settings, syncAlerts: input.checked } }), { reloadOnError: true }),
    );
    return this.sideField(
      'case-sync',
      'Alert sync',
      {},
      h('div', { class: 'case-check' }, input, h('label', { for: 'case-sync-alerts' }, 'Sync alert statuses with the case status')),
    );
  }

  // --- the external incident ---------------------------------------------------------

  pushPanel() {
    const c = this.case;
    const connector = c.connector;
    if (!connector || connector.id === 'none') {
      return this.section('case-push', 'External incident', h('p', { class: 'muted' }, 'No external incident management system is selected for this case.'));
    }
    if (this.connectors.error) {
      return this.section('case-push', 'External incident', h('p', { class: 'error' }, `Could not read the connectors: ${this.connectors.error.message}`));
    }
    const info = this.connectors.value?.[connector.id];
    const push = info?.push ?? { needsToBePushed: true, hasBeenPushed: false };
    const external =
      c.external_service?.connector_id === connector.id ? c.external_service : push.details?.externalService ?? null;
    const pushed = Boolean(push.hasBeenPushed && external);
    const url = safeUrl(external?.external_url);
    const title = external?.external_title ?? external?.external_id;
    const closed = c.status === 'closed';
    const button = this.can.push_cases
      ? h(
          'button',
          {
            type: 'button',
            class: 'primary',
            id: 'push-button',
            disabled: closed,
            onclick: (event) =>
              this.act(
                event.currentTarget,
                () => api('POST', `${this.casePath}/connector/${encodeURIComponent(connector.id)}/_push`),
                { success: `Pushed to ${info?.name ?? connector.name}.` },
              ),
          },
          pushed ? 'Update incident' : 'Push as new incident',
        )
      : null;
    return this.section(
      'case-push',
      'External incident',
      h('p', {}, 'Connector: ', h('strong', {}, info?.name ?? connector.name)),
      pushed
        ? h(
            'p',
            {},
            'Incident: ',
            url ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, title) : title,
            external.pushed_at ? [' · pushed ', when(external.pushed_at)] : null,
          )
        : null,
      h(
        'p',
        { class: `case-push-state ${push.needsToBePushed ? 'out-of-date' : 'up-to-date'}` },
        pushed
          ? push.needsToBePushed
            ? 'The incident is out of date: push to update it'
            : 'The incident is up to date'
          : 'The case has not been pushed yet.',
      ),
      button,
      button && closed ? h('p', { class: 'muted' }, 'Closed cases cannot be pushed: reopen the case to push it.') : null,
    );
  }

  // --- files, alerts and observables -------------------------------------------------

  filesPanel() {
    const result = this.files;
    let listing;
    if (result.error) {
      listing = h('p', { class: 'error' }, `Could not read the files: ${result.error.message}`);
    } else {
      const files = [...result.value.files].sort((a, b) => a.created.localeCompare(b.created));
      listing = files.length
        ? h(
            'div',
            { class: 'case-table' },
            h(
              'table',
              { 'aria-labelledby': 'case-files' },
              h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Type'), h('th', { scope: 'col' }, 'Size'), h('th', { scope: 'col' }, 'Added'), this.can.delete_cases ? h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')) : null)),
              h(
                'tbody',
                {},
                files.map((file) => {
                  const name = fileName(file);
                  const href = `${spacePrefix}/api/files/files/${encodeURIComponent(this.fileKind)}/${encodeURIComponent(file.id)}/blob/${encodeURIComponent(name)}`;
                  return h(
                    'tr',
                    {},
                    h('td', { class: 'case-value' }, h('a', { href, download: name }, name)),
                    h('td', {}, file.mimeType),
                    h('td', {}, sizeOf(file.size)),
                    h('td', {}, when(file.created)),
                    this.can.delete_cases
                      ? h('td', {}, h('button', { type: 'button', class: 'link', 'aria-label': `Delete file ${name}`, onclick: (event) => this.deleteFile(event.currentTarget, file, name) }, 'Delete'))
                      : null,
                  );
                }),
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'No files.');
    }
    return this.section('case-files', 'Files', listing, this.uploadForm());
  }

  uploadForm() {
    if (!this.can.create_comment) return null;
    const input = h('input', { id: 'file-upload', type: 'file' });
    const button = h('button', { type: 'submit' }, 'Upload');
    return h(
      'form',
      {
        class: 'row case-upload',
        onsubmit: (event) => {
          event.preventDefault();
          const [file] = input.files;
          if (!file) {
            flash('Choose a file to upload.');
            return;
          }
          const form = new FormData();
          form.append('file', file, file.name);
          this.act(button, () => api('POST', `${this.casePath}/files`, { form }));
        },
      },
      h('label', { for: 'file-upload' }, 'File'),
      input,
      button,
    );
  }

  deleteFile(button, file, name) {
    if (!confirm(`Delete the file ${name}?`)) return;
    this.act(button, () => api('POST', `${this.internalPath}/attachments/files/_bulk_delete`, { body: { ids: [file.id] } }));
  }

  alertsPanel() {
    const result = this.alerts;
    let content;
    if (result.error) {
      content = h('p', { class: 'error' }, `Could not read the alerts: ${result.error.message}`);
    } else if (!result.value.length) {
      content = h('p', { class: 'muted' }, 'No alerts are attached to this case.');
    } else {
      content = h(
        'div',
        { class: 'case-table' },
        h(
          'table',
          { 'aria-labelledby': 'case-alerts' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Alert'), h('th', { scope: 'col' }, 'Index'), h('th', { scope: 'col' }, 'Attached'))),
          h(
            'tbody',
            {},
            result.value.map((alert) =>
              h('tr', {}, h('td', { class: 'case-value' }, alert.id), h('td', { class: 'case-value' }, alert.index), h('td', {}, when(alert.attached_at))),
            ),
          ),
        ),
      );
    }
    return this.section('case-alerts', 'Alerts', content);
  }

  observablesPanel() {
    const c = this.case;
    const types = [...BUILTIN_OBSERVABLE_TYPES, ...(this.configuration.observableTypes ?? [])];
    const labels = new Map(types.map((type) => [type.key, type.label]));
    const observables = c.observables ?? [];
    const canDelete = this.can.delete_cases;
    const listing = observables.length
      ? h(
          'div',
          { class: 'case-table' },
          h(
            'table',
            { 'aria-labelledby': 'case-observables' },
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Type'), h('th', { scope: 'col' }, 'Value'), h('th', { scope: 'col' }, 'Description'), canDelete ? h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')) : null)),
            h(
              'tbody',
              {},
              observables.map((observable) =>
                h(
                  'tr',
                  {},
                  h('td', {}, labels.get(observable.typeKey) ?? observable.typeKey),
                  h('td', { class: 'case-value' }, observable.value),
                  h('td', {}, observable.description ?? ''),
                  canDelete
                    ? h('td', {}, h('button', { type: 'button', class: 'link', 'aria-label': `Delete observable ${observable.value}`, onclick: (event) => this.deleteObservable(event.currentTarget, observable) }, 'Delete'))
                    : null,
                ),
              ),
            ),
          ),
        )
      : h('p', { class: 'muted' }, 'No observables.');
    return this.section('case-observables', 'Observables', listing, this.canUpdate ? this.observableForm(types) : null);
  }

  observableForm(types) {
    const type = h('select', { id: 'observable-type' }, types.map((found) => h('option', { value: found.key }, found.label)));
    const value = h('input', { id: 'observable-value', type: 'text', autocomplete: 'off', required: true });
    const description = h('input', { id: 'observable-description', type: 'text', autocomplete: 'off' });
    const button = h('button', { type: 'submit' }, 'Add observable');
    return h(
      'form',
      {
        class: 'stack case-observable-form',
        onsubmit: (event) => {
          event.preventDefault();
          const observable = { typeKey: type.value, value: value.value.trim(), description: description.value.trim() || null };
          this.act(button, () => api('POST', `${this.internalPath}/observables`, { body: { observable } }));
        },
      },
      h('h3', {}, 'Add an observable'),
      h(
        'div',
        { class: 'row case-observable-fields' },
        h('div', { class: 'stack' }, h('label', { for: 'observable-type' }, 'Observable type'), type),
        h('div', { class: 'stack' }, h('label', { for: 'observable-value' }, 'Observable value'), value),
        h('div', { class: 'stack' }, h('label', { for: 'observable-description' }, 'Observable description'), description),
      ),
      h('div', { class: 'row' }, button),
    );
  }

  deleteObservable(button, observable) {
    if (!confirm(`Delete the observable ${observable.value}?`)) return;
    this.act(button, () => api('DELETE', `${this.internalPath}/observables/${encodeURIComponent(observable.id)}`));
  }
}
