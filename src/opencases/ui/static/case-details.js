// The case page's details: status, severity, assignees, tags, category, custom fields.

import { api } from './api.js';
import { SEVERITIES, STATUSES, h, replace, severityBadge, statusBadge } from './dom.js';
import { nameOf, sameList, idFor } from './case-common.js';

/** DetailsMethods's methods of the case page (mixed into CasePage by case.js). */
export class DetailsMethods {
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
}
