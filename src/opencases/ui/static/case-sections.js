// The case page's other sections: the external incident and its push, files, alerts, observables.

import { api, spacePrefix } from './api.js';
import { flash, h, when } from './dom.js';
import { fileName, safeUrl, sizeOf } from './case-common.js';

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

/** SectionMethods's methods of the case page (mixed into CasePage by case.js). */
export class SectionMethods {
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
