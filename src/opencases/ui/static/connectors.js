// Connectors: the Actions API's list, and creating, editing, testing and deleting the case
// connector types. Secrets are never shown: the API never answers them.

import { api } from './api.js';
import { flash, h, replace } from './dom.js';
import { checkField, field, nextId, useFormsStyles } from './forms.js';
import { FORMS, GENERIC } from './connector-forms.js';

const formOf = (typeId) => FORMS[typeId] ?? GENERIC;

/** The controls of a list of field specs, filled with `values` (or their initial values). */
function controlsFor(specs, values, { secret = false } = {}) {
  return specs.map((spec) => {
    const value = spec.key === '*' ? values : values?.[spec.key];
    let control;
    if (spec.kind === 'checkbox') {
      control = h('input', { type: 'checkbox' });
      control.checked = Boolean(value ?? spec.initial);
    } else if (spec.kind === 'select') {
      control = h(
        'select',
        {},
        spec.required ? null : h('option', { value: '' }, '—'),
        spec.options.map(([option, label]) => h('option', { value: option }, label)),
      );
      control.value = value ?? spec.initial ?? '';
    } else if (spec.kind === 'json' || spec.kind === 'textarea') {
      control = h('textarea', { class: 'code', rows: spec.kind === 'json' ? 6 : 4, spellcheck: 'false' });
      const shown = value ?? (secret ? undefined : spec.initial);
      if (spec.kind === 'json') control.value = shown === undefined || shown === null ? '' : JSON.stringify(shown, null, 2);
      else control.value = shown ?? '';
    } else {
      control = h('input', {
        type: spec.kind === 'secret' ? 'password' : spec.kind === 'url' ? 'url' : 'text',
        autocomplete: secret ? 'new-password' : 'off',
        spellcheck: 'false',
      });
      control.value = value ?? '';
    }
    if (spec.required) control.setAttribute('aria-required', 'true');
    const label = spec.required ? `${spec.label} (required)` : spec.label;
    const wrapper = spec.kind === 'checkbox' ? checkField(label, control) : field(label, control, spec.hint);
    return { spec, control, wrapper };
  });
}

/** The values the visible controls hold, and what keeps them from being sent. */
function valuesOf(controls, state, problems) {
  const values = {};
  for (const { spec, control, wrapper } of controls) {
    control.removeAttribute('aria-invalid');
    if (wrapper.hidden) continue;
    if (spec.kind === 'checkbox') {
      values[spec.key] = control.checked;
      continue;
    }
    const text = spec.kind === 'secret' || spec.kind === 'textarea' ? control.value : control.value.trim();
    if (!text.trim()) {
      if (spec.required) {
        control.setAttribute('aria-invalid', 'true');
        problems.push(`${spec.label} is required.`);
      }
      continue;
    }
    if (spec.kind === 'json') {
      let parsed;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        control.setAttribute('aria-invalid', 'true');
        problems.push(`${spec.label} must be a JSON object.`);
        continue;
      }
      if (spec.key === '*') Object.assign(values, parsed);
      else values[spec.key] = parsed;
      continue;
    }
    values[spec.key] = text;
  }
  return values;
}

function stateOf(controls) {
  const state = {};
  for (const { spec, control } of controls) if (spec.kind === 'checkbox') state[spec.key] = control.checked;
  return state;
}

export async function render(main, { capabilities }) {
  useFormsStyles();
  const may = capabilities.actions ?? {};
  let types = [];
  let connectors = [];

  const work = h('div');
  const listing = h('div');
  const dialog = h('dialog', { class: 'confirm', 'aria-labelledby': 'delete-connector-title' });
  replace(
    main,
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, 'Connectors'),
      may.save ? h('button', { type: 'button', class: 'primary', onclick: () => openForm(null) }, 'Create connector') : null,
    ),
    h('p', { class: 'muted' }, 'Connectors send cases to external incident management systems.'),
    work,
    listing,
    dialog,
  );

  const typeName = (id) => types.find((type) => type.id === id)?.name ?? id;
  const caseTypes = () => types.filter((type) => type.supported_feature_ids.includes('cases'));

  async function load() {
    [types, connectors] = await Promise.all([api('GET', '/api/actions/connector_types'), api('GET', '/api/actions/connectors')]);
    connectors.sort((a, b) => a.name.localeCompare(b.name));
    renderList();
  }

  function renderList() {
    if (!connectors.length) {
      replace(listing, h('p', { class: 'empty' }, 'No connectors in this space yet.'));
      return;
    }
    replace(
      listing,
      h(
        'table',
        { 'aria-label': 'Connectors' },
        h(
          'thead',
          {},
          h('tr', {}, ['Name', 'Type', 'ID'].map((heading) => h('th', {}, heading)), h('th', { class: 'actions' }, h('span', { class: 'muted' }, 'Actions'))),
        ),
        h(
          'tbody',
          {},
          connectors.map((connector) => {
            const editable = !connector.is_preconfigured && !connector.is_system_action;
            return h(
              'tr',
              {},
              h(
                'td',
                {},
                connector.name,
                connector.is_preconfigured ? [' ', h('span', { class: 'tag' }, 'preconfigured')] : null,
                connector.is_deprecated ? [' ', h('span', { class: 'tag' }, 'deprecated')] : null,
                connector.is_missing_secrets ? [' ', h('span', { class: 'tag' }, 'missing secrets')] : null,
              ),
              h('td', {}, typeName(connector.connector_type_id)),
              h('td', {}, h('code', { class: 'id' }, connector.id)),
              h(
                'td',
                { class: 'actions' },
                may.execute ? rowButton('Test', connector, openTest) : null,
                may.save && editable ? rowButton('Edit', connector, openForm) : null,
                may.delete && editable ? rowButton('Delete', connector, confirmDelete, 'danger') : null,
              ),
            );
          }),
        ),
      ),
    );
  }

  function close() {
    replace(work);
  }

  /** The work area's section: a heading that names it, and its form. */
  function panel(title, form) {
    const heading = h('h2', { id: nextId() }, title);
    return h('section', { class: 'panel form-page', 'aria-labelledby': heading.id }, heading, form);
  }

  /** A row's button, named after the connector for assistive technology. */
  function rowButton(text, connector, onclick, className) {
    return h('button', { type: 'button', class: className, 'aria-label': `${text} ${connector.name}`, onclick: () => onclick(connector) }, text);
  }

  // --- create and edit ---
  async function openForm(listed) {
    let existing = null;
    if (listed) {
      try {
        existing = await api('GET', `/api/actions/connector/${encodeURIComponent(listed.id)}`);
      } catch (error) {
        flash(error.message);
        return;
      }
    }
    const name = h('input', { type: 'text', autocomplete: 'off', 'aria-required': 'true' });
    name.value = existing?.name ?? '';
    const typeSelect = h(
      'select',
      { 'aria-required': 'true' },
      h('option', { value: '' }, 'Choose a type…'),
      caseTypes().map((type) =>
        h('option', { value: type.id, disabled: !type.enabled }, type.enabled ? type.name : `${type.name} (needs a ${type.minimum_license_required} license)`),
      ),
    );
    const typeFields = h('div', { class: 'stack' });
    let configControls = [];
    let secretControls = [];

    function renderTypeFields() {
      const typeId = existing ? existing.connector_type_id : typeSelect.value;
      if (!typeId) {
        configControls = secretControls = [];
        replace(typeFields);
        return;
      }
      const form = formOf(typeId);
      configControls = controlsFor(form.config, existing ? existing.config : undefined);
      secretControls = controlsFor(form.secrets, undefined, { secret: true });
      replace(
        typeFields,
        h('fieldset', { class: 'inner stack' }, h('legend', {}, 'Settings'), configControls.map((item) => item.wrapper)),
        h(
          'fieldset',
          { class: 'inner stack' },
          h('legend', {}, 'Secrets'),
          h(
            'p',
            { class: 'hint' },
            existing
              ? 'Secrets are encrypted and never shown. Saving replaces them: enter them again.'
              : 'Secrets are encrypted and never shown again.',
          ),
          secretControls.map((item) => item.wrapper),
        ),
      );
      showWhen();
    }

    function showWhen() {
      const state = stateOf(configControls);
      for (const { spec, wrapper } of [...configControls, ...secretControls]) wrapper.hidden = spec.when ? !spec.when(state) : false;
    }

    typeSelect.addEventListener('change', renderTypeFields);
    const save = h('button', { type: 'submit', class: 'primary' }, 'Save connector');
    const form = h(
      'form',
      { class: 'stack', novalidate: true, 'aria-label': existing ? 'Edit connector' : 'New connector' },
      existing
        ? h('p', {}, 'Type: ', typeName(existing.connector_type_id))
        : field('Connector type (required)', typeSelect),
      field('Connector name (required)', name),
      typeFields,
      h('div', { class: 'form-actions' }, save, h('button', { type: 'button', onclick: close }, 'Cancel')),
    );
    form.addEventListener('change', (event) => {
      if (event.target.type === 'checkbox') showWhen();
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const problems = [];
      name.removeAttribute('aria-invalid');
      if (!name.value.trim()) {
        name.setAttribute('aria-invalid', 'true');
        problems.push('Connector name is required.');
      }
      const typeId = existing ? existing.connector_type_id : typeSelect.value;
      if (!typeId) problems.push('Choose a connector type.');
      const state = stateOf(configControls);
      const configValues = valuesOf(configControls, state, problems);
      const secrets = valuesOf(secretControls, state, problems);
      if (problems.length) {
        flash(problems.join(' '));
        form.querySelector('[aria-invalid="true"]')?.focus();
        return;
      }
      // Edits keep what the form does not show of the stored config; the form's own keys are
      // replaced (or dropped, when left empty or hidden).
      let config = configValues;
      if (existing && !configControls.some((item) => item.spec.key === '*')) {
        config = { ...existing.config };
        for (const { spec } of configControls) delete config[spec.key];
        Object.assign(config, configValues);
      }
      save.disabled = true;
      try {
        const saved = existing
          ? await api('PUT', `/api/actions/connector/${encodeURIComponent(existing.id)}`, { body: { name: name.value.trim(), config, secrets } })
          : await api('POST', '/api/actions/connector', { body: { name: name.value.trim(), connector_type_id: typeId, config, secrets } });
        close();
        await load();
        flash(existing ? `Saved connector ${saved.name}.` : `Created connector ${saved.name}.`, 'success');
      } catch (error) {
        flash(error.message);
        save.disabled = false;
      }
    });

    replace(
      work,
      panel(existing ? `Edit connector ${existing.name}` : 'Create a connector', form),
    );
    renderTypeFields();
    (existing ? name : typeSelect).focus();
  }

  // --- test ---
  function openTest(connector) {
    const form = formOf(connector.connector_type_id);
    const params = h('textarea', { class: 'code', rows: 8, spellcheck: 'false' });
    params.value = JSON.stringify(form.test, null, 2);
    const result = h('div', { 'aria-live': 'polite' });
    const run = h('button', { type: 'submit', class: 'primary' }, 'Run');
    const testForm = h(
      'form',
      { class: 'stack', novalidate: true },
      field(
        'Parameters (JSON)',
        params,
        form.testCreates
          ? 'These parameters create a case in the external system.'
          : 'The parameters of the run: a sub-action and its parameters.',
      ),
      h('div', { class: 'form-actions' }, run, h('button', { type: 'button', onclick: close }, 'Close')),
      result,
    );
    testForm.addEventListener('submit', async (event) => {
      event.preventDefault();
      let body;
      try {
        body = JSON.parse(params.value);
      } catch {
        body = undefined;
      }
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        params.setAttribute('aria-invalid', 'true');
        flash('Parameters (JSON) must be a JSON object.');
        return;
      }
      params.removeAttribute('aria-invalid');
      run.disabled = true;
      replace(result, h('p', { class: 'muted' }, 'Running…'));
      try {
        const outcome = await api('POST', `/api/actions/connector/${encodeURIComponent(connector.id)}/_execute`, { body: { params: body } });
        replace(result, resultOf(outcome));
      } catch (error) {
        replace(result);
        flash(error.message);
      } finally {
        run.disabled = false;
      }
    });
    replace(
      work,
      panel(`Test connector ${connector.name}`, testForm),
    );
    params.focus();
  }

  function resultOf(outcome) {
    const rows = [
      ['Status', h('span', { class: `status-${outcome.status}` }, outcome.status)],
      outcome.message === undefined ? null : ['Message', outcome.message],
      outcome.service_message === undefined ? null : ['Service message', outcome.service_message],
      outcome.data === undefined ? null : ['Data', h('pre', {}, JSON.stringify(outcome.data, null, 2))],
    ].filter(Boolean);
    return h(
      'section',
      { class: 'result', 'aria-label': 'Test result' },
      h('dl', { class: 'fields' }, rows.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)])),
    );
  }

  // --- delete ---
  function confirmDelete(connector) {
    const yes = h('button', { type: 'button', class: 'danger' }, 'Delete connector');
    yes.addEventListener('click', async () => {
      yes.disabled = true;
      try {
        await api('DELETE', `/api/actions/connector/${encodeURIComponent(connector.id)}`);
        dialog.close();
        close();
        await load();
        flash(`Deleted connector ${connector.name}.`, 'success');
      } catch (error) {
        dialog.close();
        flash(error.message);
      }
    });
    replace(
      dialog,
      h('h2', { id: 'delete-connector-title' }, `Delete connector ${connector.name}?`),
      h('p', {}, 'Cases that use it can no longer be pushed with it. This cannot be undone.'),
      h('div', { class: 'form-actions' }, yes, h('button', { type: 'button', onclick: () => dialog.close() }, 'Cancel')),
    );
    dialog.showModal();
  }

  await load();
}
