// The owner's case settings: closure type, default connector, custom fields, templates and
// observable types (GET, then POST or PATCH /api/cases/configure).

import { api } from './api.js';
import { SEVERITIES, flash, h, replace } from './dom.js';
import { checkField, field, nextId, useFormsStyles } from './forms.js';

const NONE = { id: 'none', name: 'none', type: '.none', fields: null };
const FIELD_TYPES = [
  ['text', 'Text'],
  ['toggle', 'Toggle'],
  ['number', 'Number'],
];
// Kibana's limits (MAX_CUSTOM_FIELDS_PER_CASE, MAX_TEMPLATES_LENGTH, MAX_CUSTOM_OBSERVABLE_TYPES).
const MAX_CUSTOM_FIELDS = 10;
const MAX_TEMPLATES = 10;
const MAX_OBSERVABLE_TYPES = 10;
// Kibana's built-in observable types, which custom ones may not repeat.
const BUILT_IN_OBSERVABLE_TYPES = ['IPv4', 'IPv6', 'URL', 'Hostname', 'File hash', 'File path', 'Email', 'Domain'];

/** A key Kibana accepts (lower case, digits and '-'): a UUID. */
function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  // Outside a secure context (plain http on another host) there is no randomUUID.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const splitList = (text) => [...new Set(text.split(',').map((item) => item.trim()).filter(Boolean))];
const typeName = (type) => FIELD_TYPES.find(([value]) => value === type)?.[1] ?? type;

function shownValue(value) {
  if (value === undefined || value === null || value === '') return h('span', { class: 'muted' }, '—');
  if (typeof value === 'boolean') return value ? 'On' : 'Off';
  return String(value);
}

/** What the page edits, from a stored configuration (or Kibana's defaults when there is none). */
function draftOf(stored) {
  return {
    closure_type: stored?.closure_type ?? 'close-by-user',
    connector: stored?.connector ?? NONE,
    customFields: structuredClone(stored?.customFields ?? []),
    templates: structuredClone(stored?.templates ?? []),
    observableTypes: structuredClone(stored?.observableTypes ?? []),
  };
}

/**
 * The templates as Kibana keeps them: each with a value for every custom field (its own, else
 * the field's default, else false for a toggle and null otherwise), none for removed fields.
 */
function syncedTemplates(templates, customFields) {
  return templates.map((template) => {
    const caseFields = { ...(template.caseFields ?? {}) };
    const own = new Map((caseFields.customFields ?? []).map((value) => [value.key, value]));
    caseFields.customFields = customFields.map((item) => {
      if (own.has(item.key) && own.get(item.key).type === item.type) return own.get(item.key);
      const fallback = item.type === 'toggle' ? false : null;
      return { key: item.key, type: item.type, value: item.defaultValue ?? fallback };
    });
    return { ...template, caseFields };
  });
}

export async function render(main, { app, can }) {
  useFormsStyles();
  const editable = Boolean(can.cases_settings);
  const [configurations, connectors] = await Promise.all([
    api('GET', '/api/cases/configure', { query: { owner: app.owner } }),
    api('GET', '/api/cases/configure/connectors/_find').catch(() => null),
  ]);
  let stored = configurations.find((item) => item.owner === app.owner) ?? null;
  let draft = draftOf(stored);

  replace(
    main,
    h('h1', {}, `${app.name} settings`),
    editable ? null : h('p', { class: 'notice' }, 'Your role lets you see these settings, not change them.'),
  );

  /** A table of `items` (null when there are none), each row with a Remove button when editable. */
  function listTable(headings, items, cells, removeLabel, rerender) {
    if (!items.length) return null;
    const remove = (index) => {
      items.splice(index, 1);
      rerender();
    };
    return h(
      'table',
      {},
      h(
        'thead',
        {},
        h('tr', {}, headings.map((heading) => h('th', {}, heading)), editable ? h('th', { class: 'actions' }, h('span', { class: 'muted' }, 'Actions')) : null),
      ),
      h(
        'tbody',
        {},
        items.map((item, index) =>
          h(
            'tr',
            {},
            cells(item).map((cell) => h('td', {}, cell)),
            editable
              ? h(
                  'td',
                  { class: 'actions' },
                  h('button', { type: 'button', class: 'danger', 'aria-label': removeLabel(item), onclick: () => remove(index) }, 'Remove'),
                )
              : null,
          ),
        ),
      ),
    );
  }

  // --- closures ---
  const closures = h(
    'fieldset',
    { class: 'section stack' },
    h('legend', {}, 'Case closures'),
    [
      ['close-by-user', 'Close cases manually'],
      ['close-by-pushing', 'Close cases when pushed to an external system'],
    ].map(([value, label]) => {
      const radio = h('input', { type: 'radio', name: 'closure_type', value, id: nextId(), disabled: !editable });
      radio.addEventListener('change', () => {
        if (radio.checked) draft.closure_type = value;
      });
      return h('div', { class: 'choice' }, radio, h('label', { for: radio.id }, label));
    }),
  );

  // --- the default connector ---
  const connectorSelect = h('select', { disabled: !editable });
  connectorSelect.addEventListener('change', () => {
    const chosen = (connectors ?? []).find((item) => item.id === connectorSelect.value);
    draft.connector = chosen ? { id: chosen.id, name: chosen.name, type: chosen.actionTypeId, fields: null } : NONE;
  });
  const connectorSection = h(
    'fieldset',
    { class: 'section stack' },
    h('legend', {}, 'External connector'),
    field('Default connector', connectorSelect, 'The connector new cases get, to push them to an external system.'),
    connectors === null ? h('p', { class: 'hint' }, 'Your role does not let you see the connectors.') : null,
  );

  // --- custom fields ---
  const customList = h('div');
  const customLabel = h('input', { type: 'text', maxlength: 50, autocomplete: 'off' });
  const customType = h('select', {}, FIELD_TYPES.map(([value, label]) => h('option', { value }, label)));
  const customRequired = h('input', { type: 'checkbox' });
  const defaultSlot = h('div');
  let customDefault;
  function renderDefaultControl() {
    const type = customType.value;
    customDefault =
      type === 'toggle'
        ? h('input', { type: 'checkbox' })
        : h('input', type === 'number' ? { type: 'number', step: 1 } : { type: 'text', maxlength: 160, autocomplete: 'off' });
    replace(defaultSlot, type === 'toggle' ? checkField('Default value (on)', customDefault) : field('Default value', customDefault));
  }
  customType.addEventListener('change', renderDefaultControl);
  renderDefaultControl();

  function addCustomField() {
    const label = customLabel.value.trim();
    if (!label) return problem(customLabel, 'Give the custom field a label.');
    if (draft.customFields.length >= MAX_CUSTOM_FIELDS) return problem(customLabel, `At most ${MAX_CUSTOM_FIELDS} custom fields.`);
    const type = customType.value;
    const item = { key: newKey(), label, type, required: customRequired.checked };
    if (type === 'toggle') {
      item.defaultValue = customDefault.checked;
    } else if (customDefault.value.trim() !== '') {
      const value = type === 'number' ? Number(customDefault.value) : customDefault.value.trim();
      if (type === 'number' && !Number.isSafeInteger(value)) return problem(customDefault, 'The default value must be a whole number.');
      item.defaultValue = value;
    }
    draft.customFields.push(item);
    customLabel.value = '';
    customRequired.checked = false;
    renderDefaultControl();
    renderCustomFields();
    customLabel.focus();
  }

  function renderCustomFields() {
    replace(
      customList,
      listTable(
        ['Label', 'Type', 'Required', 'Default value'],
        draft.customFields,
        (item) => [item.label, typeName(item.type), item.required ? 'Yes' : 'No', shownValue(item.defaultValue)],
        (item) => `Remove custom field ${item.label}`,
        renderCustomFields,
      ) ?? h('p', { class: 'empty' }, 'No custom fields.'),
    );
  }

  const customSection = h(
    'fieldset',
    { class: 'section stack' },
    h('legend', {}, 'Custom fields'),
    customList,
    editable
      ? h(
          'fieldset',
          { class: 'inner stack' },
          h('legend', {}, 'Add a custom field'),
          h('div', { class: 'field-grid' }, field('Custom field label', customLabel), field('Custom field type', customType)),
          checkField('Required', customRequired),
          defaultSlot,
          h('div', { class: 'form-actions' }, h('button', { type: 'button', onclick: addCustomField }, 'Add custom field')),
        )
      : null,
  );

  // --- templates ---
  const templateList = h('div');
  const templateName = h('input', { type: 'text', maxlength: 50, autocomplete: 'off' });
  const templateDescription = h('textarea', { rows: 2, maxlength: 1000 });
  const templateTags = h('input', { type: 'text', autocomplete: 'off' });
  const caseTitle = h('input', { type: 'text', maxlength: 160, autocomplete: 'off' });
  const caseDescription = h('textarea', { rows: 4 });
  const caseSeverity = h('select', {}, h('option', { value: '' }, '—'), SEVERITIES.map(([value, label]) => h('option', { value }, label)));
  const caseTags = h('input', { type: 'text', autocomplete: 'off' });

  function addTemplate() {
    const name = templateName.value.trim();
    if (!name) return problem(templateName, 'Give the template a name.');
    if (draft.templates.length >= MAX_TEMPLATES) return problem(templateName, `At most ${MAX_TEMPLATES} templates.`);
    const caseFields = {};
    if (caseTitle.value.trim()) caseFields.title = caseTitle.value.trim();
    if (caseDescription.value.trim()) caseFields.description = caseDescription.value;
    if (caseSeverity.value) caseFields.severity = caseSeverity.value;
    const tags = splitList(caseTags.value);
    if (tags.length) caseFields.tags = tags;
    const template = { key: newKey(), name, caseFields };
    if (templateDescription.value.trim()) template.description = templateDescription.value.trim();
    const ownTags = splitList(templateTags.value);
    if (ownTags.length) template.tags = ownTags;
    draft.templates.push(template);
    for (const control of [templateName, templateDescription, templateTags, caseTitle, caseDescription, caseSeverity, caseTags]) control.value = '';
    renderTemplates();
    templateName.focus();
  }

  function renderTemplates() {
    const severityName = (value) => SEVERITIES.find(([severity]) => severity === value)?.[1];
    replace(
      templateList,
      listTable(
        ['Name', 'Description', 'Tags', 'Case title', 'Case severity'],
        draft.templates,
        (template) => [
          template.name,
          shownValue(template.description),
          (template.tags ?? []).map((tag) => h('span', { class: 'tag' }, tag)),
          shownValue(template.caseFields?.title),
          shownValue(severityName(template.caseFields?.severity)),
        ],
        (template) => `Remove template ${template.name}`,
        renderTemplates,
      ) ?? h('p', { class: 'empty' }, 'No templates.'),
    );
  }

  const templateSection = h(
    'fieldset',
    { class: 'section stack' },
    h('legend', {}, 'Templates'),
    templateList,
    editable
      ? h(
          'fieldset',
          { class: 'inner stack' },
          h('legend', {}, 'Add a template'),
          h('div', { class: 'field-grid' }, field('Template name', templateName), field('Template tags', templateTags, 'Separated by commas.')),
          field('Template description', templateDescription),
          h('p', { class: 'hint' }, 'What a case made from the template starts with (custom fields start at their default values):'),
          field('Case title', caseTitle),
          field('Case description', caseDescription),
          h('div', { class: 'field-grid' }, field('Case severity', caseSeverity), field('Case tags', caseTags, 'Separated by commas.')),
          h('div', { class: 'form-actions' }, h('button', { type: 'button', onclick: addTemplate }, 'Add template')),
        )
      : null,
  );

  // --- observable types ---
  const observableList = h('div');
  const observableLabel = h('input', { type: 'text', maxlength: 50, autocomplete: 'off' });

  function addObservableType() {
    const label = observableLabel.value.trim();
    if (!label) return problem(observableLabel, 'Give the observable type a label.');
    if (draft.observableTypes.length >= MAX_OBSERVABLE_TYPES) return problem(observableLabel, `At most ${MAX_OBSERVABLE_TYPES} observable types.`);
    const taken = [...BUILT_IN_OBSERVABLE_TYPES, ...draft.observableTypes.map((item) => item.label)];
    if (taken.some((other) => other.toLowerCase() === label.toLowerCase())) return problem(observableLabel, `There is already an observable type ${label}.`);
    draft.observableTypes.push({ key: newKey(), label });
    observableLabel.value = '';
    renderObservableTypes();
    observableLabel.focus();
  }

  function renderObservableTypes() {
    replace(
      observableList,
      listTable(
        ['Label'],
        draft.observableTypes,
        (item) => [item.label],
        (item) => `Remove observable type ${item.label}`,
        renderObservableTypes,
      ) ?? h('p', { class: 'empty' }, 'No custom observable types.'),
    );
  }

  const observableSection = h(
    'fieldset',
    { class: 'section stack' },
    h('legend', {}, 'Observable types'),
    observableList,
    editable
      ? h(
          'div',
          { class: 'row add' },
          field('Observable type label', observableLabel),
          h('button', { type: 'button', onclick: addObservableType }, 'Add observable type'),
        )
      : null,
  );

  // --- showing what the draft holds ---
  function renderAll() {
    for (const radio of closures.querySelectorAll('input[type="radio"]')) radio.checked = radio.value === draft.closure_type;
    const listed = connectors ?? [];
    const current = draft.connector;
    replace(
      connectorSelect,
      h('option', { value: 'none' }, 'No connector'),
      listed.map((item) => h('option', { value: item.id }, item.name)),
      current.id !== 'none' && !listed.some((item) => item.id === current.id)
        ? h('option', { value: current.id }, `${current.name} (not available)`)
        : null,
    );
    connectorSelect.value = current.id;
    renderCustomFields();
    renderTemplates();
    renderObservableTypes();
  }

  function problem(control, message) {
    flash(message);
    control.setAttribute('aria-invalid', 'true');
    control.addEventListener('input', () => control.removeAttribute('aria-invalid'), { once: true });
    control.focus();
  }

  const save = h('button', { type: 'submit', class: 'primary' }, 'Save settings');
  const form = h(
    'form',
    { class: 'stack form-page', novalidate: true, 'aria-label': 'Case settings' },
    closures,
    connectorSection,
    customSection,
    templateSection,
    observableSection,
    editable ? h('div', { class: 'form-actions' }, save) : null,
  );
  // Enter in an "add" input adds, rather than saving the whole page.
  for (const [input, add] of [
    [customLabel, addCustomField],
    [observableLabel, addObservableType],
    [templateName, addTemplate],
  ]) {
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        event.preventDefault();
        add();
      }
    });
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!editable) return;
    const body = {
      closure_type: draft.closure_type,
      connector: draft.connector,
      customFields: draft.customFields,
      templates: syncedTemplates(draft.templates, draft.customFields),
      observableTypes: draft.observableTypes,
    };
    save.disabled = true;
    try {
      stored = stored
        ? await api('PATCH', `/api/cases/configure/${encodeURIComponent(stored.id)}`, { body: { ...body, version: stored.version } })
        : await api('POST', '/api/cases/configure', { body: { ...body, owner: app.owner } });
      draft = draftOf(stored);
      renderAll();
      flash('Settings saved.', 'success');
    } catch (error) {
      flash(error.message);
    } finally {
      save.disabled = false;
    }
  });

  renderAll();
  main.append(form);
}
