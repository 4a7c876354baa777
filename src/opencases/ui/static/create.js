// The create-case form: POST /api/cases, with the owner's templates, custom fields and a connector.

import { api } from './api.js';
import { SEVERITIES, fieldError, flash, h, replace } from './dom.js';
import { checkField, field, nextId, useFormsStyles } from './forms.js';
import { markdown } from './markdown.js';

const NONE = { id: 'none', name: 'none', type: '.none', fields: null };
// ServiceNow's usual choices (its instance may have others: then type-in fields would be needed).
const ITSM_LEVELS = [
  ['1', '1 - High'],
  ['2', '2 - Medium'],
  ['3', '3 - Low'],
];
const SIR_PRIORITIES = [
  ['1', '1 - Critical'],
  ['2', '2 - High'],
  ['3', '3 - Moderate'],
  ['4', '4 - Low'],
  ['5', '5 - Planning'],
];
const TLP = [
  [0, 'CLEAR'],
  [1, 'GREEN'],
  [2, 'AMBER'],
  [3, 'AMBER+STRICT'],
  [4, 'RED'],
];

// The `fields` of each case connector type (Kibana's case connector schemas): kind `text`
// (null when empty), `select` (options; null when none chosen), `toggle` (a boolean), `list`
// (comma-separated, null when empty), `string` (sent only when given).
const CONNECTOR_FIELDS = {
  '.jira': [
    { key: 'issueType', label: 'Issue type', hint: 'The id of a Jira issue type.' },
    { key: 'priority', label: 'Priority', hint: 'A priority name, as Jira spells it.' },
    { key: 'parent', label: 'Parent issue', hint: 'The key of the parent issue, for a sub-task.' },
  ],
  '.servicenow': [
    { key: 'urgency', label: 'Urgency', kind: 'select', options: ITSM_LEVELS },
    { key: 'severity', label: 'Severity (ServiceNow)', kind: 'select', options: ITSM_LEVELS },
    { key: 'impact', label: 'Impact', kind: 'select', options: ITSM_LEVELS },
    { key: 'category', label: 'ServiceNow category' },
    { key: 'subcategory', label: 'ServiceNow subcategory' },
    { key: 'additionalFields', label: 'Additional fields (JSON)', kind: 'string', multiline: true },
  ],
  '.servicenow-sir': [
    { key: 'category', label: 'ServiceNow category' },
    { key: 'subcategory', label: 'ServiceNow subcategory' },
    { key: 'priority', label: 'Priority', kind: 'select', options: SIR_PRIORITIES },
    { key: 'destIp', label: 'Send destination IPs', kind: 'toggle', initial: true },
    { key: 'sourceIp', label: 'Send source IPs', kind: 'toggle', initial: true },
    { key: 'malwareHash', label: 'Send malware hashes', kind: 'toggle', initial: true },
    { key: 'malwareUrl', label: 'Send malware URLs', kind: 'toggle', initial: true },
    { key: 'additionalFields', label: 'Additional fields (JSON)', kind: 'string', multiline: true },
  ],
  '.resilient': [
    { key: 'incidentTypes', label: 'Incident types', kind: 'list', hint: 'Incident type ids, separated by commas.' },
    { key: 'severityCode', label: 'Severity code' },
  ],
  '.swimlane': [{ key: 'caseId', label: 'Swimlane case id' }],
  '.thehive': [{ key: 'tlp', label: 'TLP', kind: 'select', options: TLP, numeric: true, initial: 2 }],
};

function options(pairs, { empty } = {}) {
  return [
    empty === undefined ? null : h('option', { value: '' }, empty),
    ...pairs.map(([value, label]) => h('option', { value: String(value) }, label)),
  ];
}

const splitList = (text) => [...new Set(text.split(',').map((item) => item.trim()).filter(Boolean))];

export async function render(main, { app, can, base }) {
  useFormsStyles();
  replace(main, h('h1', {}, 'Create case'));
  if (!can.create_cases) {
    main.append(
      h('p', { class: 'notice' }, 'Your role does not let you create cases here.'),
      h('p', {}, h('a', { href: base }, `Back to ${app.name}`)),
    );
    return;
  }
  const [configurations, connectors] = await Promise.all([
    api('GET', '/api/cases/configure', { query: { owner: app.owner } }),
    // A role may create cases without seeing connectors: then there is only "No connector".
    can.cases_connectors ? api('GET', '/api/cases/configure/connectors/_find').catch(() => []) : [],
  ]);
  const configuration = configurations.find((item) => item.owner === app.owner) ?? null;
  const templates = configuration?.templates ?? [];
  const customFields = configuration?.customFields ?? [];

  // --- the controls ---
  const title = h('input', { type: 'text', name: 'title', maxlength: 160, autocomplete: 'off', 'aria-required': 'true' });
  const description = h('textarea', { name: 'description', rows: 8, id: nextId(), 'aria-required': 'true' });
  const preview = h('div', { class: 'preview', hidden: true, 'aria-live': 'polite' });
  const previewButton = h('button', { type: 'button', class: 'link', 'aria-pressed': 'false' }, 'Preview');
  previewButton.addEventListener('click', () => {
    const showing = preview.hidden;
    if (showing) replace(preview, description.value.trim() ? markdown(description.value) : h('p', { class: 'empty' }, 'Nothing to preview.'));
    preview.hidden = !showing;
    description.hidden = showing;
    previewButton.textContent = showing ? 'Edit' : 'Preview';
    previewButton.setAttribute('aria-pressed', String(showing));
  });
  const tags = h('input', { type: 'text', name: 'tags', autocomplete: 'off' });
  const severity = h('select', { name: 'severity' }, options(SEVERITIES));
  const category = h('input', { type: 'text', name: 'category', maxlength: 50, autocomplete: 'off' });
  const syncAlerts = h('input', { type: 'checkbox', name: 'syncAlerts' });
  let assignees = [];
  const assigneesNote = h('p', { class: 'hint', hidden: true });

  const template = h('select', { name: 'template' }, h('option', { value: '' }, 'No template'), templates.map((item) => h('option', { value: item.key }, item.name)));
  const templateHint = h('span', { class: 'hint', 'aria-live': 'polite' });

  // Custom fields: one control each, by key.
  const customControls = new Map();
  const customRows = customFields.map((item) => {
    const label = item.required ? `${item.label} (required)` : item.label;
    let control;
    if (item.type === 'toggle') {
      control = h('input', { type: 'checkbox', name: `custom-${item.key}` });
      customControls.set(item.key, control);
      return checkField(label, control);
    }
    control =
      item.type === 'number'
        ? h('input', { type: 'number', step: 1, name: `custom-${item.key}` })
        : h('input', { type: 'text', maxlength: 160, name: `custom-${item.key}` });
    if (item.required) control.setAttribute('aria-required', 'true');
    customControls.set(item.key, control);
    return field(label, control);
  });

  const connector = h(
    'select',
    { name: 'connector' },
    h('option', { value: 'none' }, 'No connector'),
    connectors.map((item) => h('option', { value: item.id }, item.name)),
  );
  const connectorFields = h('div', { class: 'field-grid' });
  let connectorControls = new Map();

  function renderConnectorFields(values) {
    const chosen = connectors.find((item) => item.id === connector.value);
    const specs = chosen ? (CONNECTOR_FIELDS[chosen.actionTypeId] ?? []) : [];
    connectorControls = new Map();
    replace(
      connectorFields,
      chosen && !specs.length ? h('p', { class: 'hint' }, 'This connector takes no fields of its own.') : null,
      specs.map((spec) => {
        let control;
        if (spec.kind === 'toggle') {
          control = h('input', { type: 'checkbox' });
        } else if (spec.kind === 'select') {
          control = h('select', {}, options(spec.options, { empty: '—' }));
        } else if (spec.multiline) {
          control = h('textarea', { rows: 3, class: 'code' });
        } else {
          control = h('input', { type: 'text', autocomplete: 'off' });
        }
        connectorControls.set(spec.key, { spec, control });
        setConnectorValue(spec, control, values && spec.key in values ? values[spec.key] : spec.initial);
        return spec.kind === 'toggle' ? checkField(spec.label, control) : field(spec.label, control, spec.hint);
      }),
    );
  }

  function setConnectorValue(spec, control, value) {
    if (spec.kind === 'toggle') control.checked = Boolean(value);
    else if (spec.kind === 'list') control.value = Array.isArray(value) ? value.join(', ') : (value ?? '');
    else control.value = value === null || value === undefined ? '' : String(value);
  }

  function connectorValue() {
    const chosen = connectors.find((item) => item.id === connector.value);
    if (!chosen) return NONE;
    const specs = CONNECTOR_FIELDS[chosen.actionTypeId];
    const named = { id: chosen.id, name: chosen.name, type: chosen.actionTypeId };
    if (!specs) return { ...named, fields: null };
    const fields = {};
    for (const [key, { spec, control }] of connectorControls) {
      if (spec.kind === 'toggle') {
        fields[key] = control.checked;
      } else if (spec.kind === 'list') {
        const items = splitList(control.value);
        fields[key] = items.length ? items : null;
      } else if (spec.kind === 'string') {
        if (control.value.trim()) fields[key] = control.value;
      } else {
        const text = control.value.trim();
        fields[key] = text === '' ? null : spec.numeric ? Number(text) : text;
      }
    }
    return { ...named, fields };
  }
  connector.addEventListener('change', () => renderConnectorFields(null));

  // --- defaults, and what a template fills in ---
  function setCustomValue(item, value) {
    const control = customControls.get(item.key);
    if (item.type === 'toggle') control.checked = Boolean(value);
    else control.value = value === null || value === undefined ? '' : String(value);
  }

  function reset() {
    title.value = '';
    description.value = '';
    tags.value = '';
    severity.value = 'low';
    category.value = '';
    syncAlerts.checked = app.owner === 'securitySolution';
    assignees = [];
    for (const item of customFields) setCustomValue(item, item.defaultValue);
    const configured = configuration?.connector;
    connector.value = connectors.some((item) => item.id === configured?.id) ? configured.id : 'none';
    renderConnectorFields(configured?.fields ?? null);
  }

  function applyTemplate(chosen) {
    reset();
    templateHint.textContent = chosen?.description ?? '';
    const fields = chosen?.caseFields;
    if (fields) {
      if (fields.title) title.value = fields.title;
      if (fields.description) description.value = fields.description;
      if (fields.tags) tags.value = fields.tags.join(', ');
      if (fields.severity) severity.value = fields.severity;
      if (fields.category) category.value = fields.category;
      if (fields.settings) syncAlerts.checked = Boolean(fields.settings.syncAlerts);
      if (fields.assignees) assignees = fields.assignees;
      for (const value of fields.customFields ?? []) {
        const item = customFields.find((candidate) => candidate.key === value.key);
        if (item) setCustomValue(item, value.value);
      }
      if (fields.connector) {
        const known = connectors.some((item) => item.id === fields.connector.id);
        connector.value = known ? fields.connector.id : 'none';
        renderConnectorFields(known ? fields.connector.fields : null);
      }
    }
    assigneesNote.hidden = !assignees.length;
    assigneesNote.textContent = `The template assigns the case to ${assignees.length} user(s).`;
  }
  template.addEventListener('change', () => applyTemplate(templates.find((item) => item.key === template.value)));

  // --- sending ---
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Create case');
  const form = h(
    'form',
    { class: 'stack form-page', novalidate: true, 'aria-label': 'New case' },
    templates.length
      ? h('fieldset', { class: 'section' }, h('legend', {}, 'Template'), field('Template', template), templateHint)
      : null,
    h(
      'fieldset',
      { class: 'section stack' },
      h('legend', {}, 'Case'),
      field('Title (required)', title),
      h(
        'div',
        { class: 'field' },
        h('div', { class: 'row' }, h('label', { for: description.id }, 'Description (required)'), h('span', { class: 'spacer' }), previewButton),
        description,
        preview,
        h('span', { class: 'hint' }, 'Markdown: **bold**, _italic_, `code`, lists and links.'),
      ),
      field('Tags', tags, 'Separated by commas.'),
      h('div', { class: 'field-grid' }, field('Severity', severity), field('Category', category)),
      checkField('Sync alert statuses with the case status', syncAlerts),
      assigneesNote,
    ),
    customFields.length ? h('fieldset', { class: 'section stack' }, h('legend', {}, 'Custom fields'), customRows) : null,
    connectors.length
      ? h('fieldset', { class: 'section stack' }, h('legend', {}, 'External connector'), field('Connector', connector), connectorFields)
      : null,
    h('div', { class: 'form-actions' }, submit, h('a', { href: base }, 'Cancel')),
  );

  /** The request body, or the list of problems that keep it from being sent. */
  function body() {
    const problems = [];
    for (const control of [title, description, ...customControls.values()]) control.removeAttribute('aria-invalid');
    const mark = (control, problem) => {
      control.setAttribute('aria-invalid', 'true');
      problems.push(problem);
    };
    if (!title.value.trim()) mark(title, 'Title is required.');
    if (!description.value.trim()) mark(description, 'Description is required.');
    const values = [];
    for (const item of customFields) {
      const control = customControls.get(item.key);
      let value;
      if (item.type === 'toggle') {
        value = control.checked;
      } else if (item.type === 'number') {
        const text = control.value.trim();
        value = text === '' ? null : Number(text);
        if (value !== null && !Number.isSafeInteger(value)) {
          mark(control, `${item.label} must be a whole number.`);
          continue;
        }
      } else {
        value = control.value.trim() || null;
      }
      if (item.required && value === null) mark(control, `${item.label} is required.`);
      values.push({ key: item.key, type: item.type, value });
    }
    if (problems.length) return { problems };
    const request = {
      title: title.value.trim(),
      description: description.value,
      tags: splitList(tags.value),
      severity: severity.value,
      connector: connectorValue(),
      settings: { syncAlerts: syncAlerts.checked },
      owner: app.owner,
    };
    if (category.value.trim()) request.category = category.value.trim();
    if (values.length) request.customFields = values;
    if (assignees.length) request.assignees = assignees;
    return { request };
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const { request, problems } = body();
    if (problems) {
      flash(problems.join(' '));
      form.querySelector('[aria-invalid="true"]')?.focus();
      return;
    }
    submit.disabled = true;
    try {
      const created = await api('POST', '/api/cases', { body: request });
      location.assign(`${base}/${encodeURIComponent(created.id)}`);
    } catch (error) {
      fieldError(error.message, { title, description, tags, tag: tags, category, severity });
      submit.disabled = false;
    }
  });

  reset();
  main.append(form);
  title.focus();
}
