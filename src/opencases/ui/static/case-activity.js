// The case page's description and activity: comments in Markdown, every change in words.

import { api } from './api.js';
import { SEVERITY_WORDS, STATUS_WORDS, h, when } from './dom.js';
import { markdown } from './markdown.js';
import { nameOf, fileName, safeUrl, idFor } from './case-common.js';

// Kibana's file attachments are external references of this type.
const FILES_TYPE_ID = '.files';

/** ActivityMethods's methods of the case page (mixed into CasePage by case.js). */
export class ActivityMethods {
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
    const { first, last, hidden, latestAttachments } = this.activityRead();
    const latest = new Map(latestAttachments.map((attachment) => [attachment.id, attachment]));
    const pushedTo = new Set();
    const items = (actions) => actions.map((action) => this.feedItem(action, latest, pushedTo)).filter(Boolean);
    const older = items(first);
    const newer = items(last);
    const feed = (found) => h('ol', { class: 'feed case-feed', 'aria-labelledby': 'case-activity' }, found);
    const more =
      hidden > 0
        ? h(
            'button',
            { type: 'button', id: 'case-activity-more', class: 'more', onclick: (event) => this.moreActivity(event.currentTarget) },
            `Show more activity (${hidden} ${hidden === 1 ? 'change' : 'changes'} not shown)`,
          )
        : null;
    return this.section(
      'case-activity',
      'Activity',
      older.length + newer.length ? feed(older) : h('p', { class: 'muted' }, 'No activity yet.'),
      more,
      newer.length ? feed(newer) : null,
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
        // The oldest push to a connector may be on a page not read: `_connectors` knows it.
        const oldest = this.connectors.value?.[service.connector_id]?.push?.details?.oldestUserActionPushDate;
        const first = oldest ? action.created_at === oldest : !pushedTo.has(service.connector_id);
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
}
