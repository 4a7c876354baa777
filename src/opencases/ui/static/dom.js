// Building the page: elements from data, text as text (never parsed as HTML).

/** An element: h('a', {href, class: 'x', onclick}, 'text', child, [more]). */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (name === 'dataset') {
      Object.assign(element.dataset, value);
    } else if (name in element && typeof value !== 'string') {
      element[name] = value;
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace what `element` holds. */
export function replace(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

/** A date as the reader's locale shows it (with the ISO time on hover). */
export function when(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  return h('time', { datetime: iso, title: iso }, new Date(iso).toLocaleString());
}

/** Kibana's case statuses and severities, each with the word the pages show. */
export const STATUSES = [
  ['open', 'Open'],
  ['in-progress', 'In progress'],
  ['closed', 'Closed'],
];
export const SEVERITIES = [
  ['low', 'Low'],
  ['medium', 'Medium'],
  ['high', 'High'],
  ['critical', 'Critical'],
];
export const STATUS_WORDS = Object.fromEntries(STATUSES);
export const SEVERITY_WORDS = Object.fromEntries(SEVERITIES);

/** A status badge. */
export function statusBadge(status) {
  return h('span', { class: `badge status-${status}` }, STATUS_WORDS[status] ?? status);
}

/** A severity badge. */
export function severityBadge(severity) {
  return h('span', { class: `badge severity-${severity}` }, SEVERITY_WORDS[severity] ?? severity);
}

/** A message at the top of the main area: an error, or news of something done. */
export function flash(message, kind = 'error') {
  const main = document.getElementById('main');
  main.querySelector('.flash')?.remove();
  const note = h('p', { class: `flash ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, message);
  main.prepend(note);
  return note;
}

/**
 * Show an API error next to the field its message names (Kibana's messages name them:
 * "The length of the title is too long…", "…supplied to \"category\""), else at the top.
 * `fields` maps the names a message may use to their controls.
 */
export function fieldError(message, fields) {
  for (const old of document.querySelectorAll('.field-error, #main > .flash')) old.remove();
  for (const control of Object.values(fields)) control.removeAttribute('aria-invalid');
  const named = Object.entries(fields).find(([name]) =>
    new RegExp(`(^|[^\\w])(the field |the )?"?${name}"?([^\\w]|$)`, 'i').test(message),
  );
  if (!named) return flash(message);
  const control = named[1];
  const note = h('p', { class: 'field-error error', id: `${control.id}-error`, role: 'alert' }, message);
  control.setAttribute('aria-invalid', 'true');
  control.setAttribute('aria-errormessage', note.id);
  control.after(note);
  control.focus();
  return note;
}
