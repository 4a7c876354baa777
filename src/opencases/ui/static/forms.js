// Labelled form controls, shared by the create, settings and connectors pages.

import { h } from './dom.js';

let serial = 0;

/** A new id for a control, unique in the page. */
export const nextId = () => `control-${++serial}`;

/** Load the forms' stylesheet (once). */
export function useFormsStyles() {
  if (!document.head.querySelector('link[href="/ui/forms.css"]')) {
    document.head.append(h('link', { rel: 'stylesheet', href: '/ui/forms.css' }));
  }
}

/** A control with its label (which names it for assistive technology) and a hint. */
export function field(label, control, hint) {
  control.id ||= nextId();
  const hintId = hint ? `${control.id}-hint` : null;
  if (hintId) control.setAttribute('aria-describedby', hintId);
  return h(
    'div',
    { class: 'field' },
    h('label', { for: control.id }, label),
    control,
    hint ? h('span', { class: 'hint', id: hintId }, hint) : null,
  );
}

/** A checkbox with its label after it. */
export function checkField(label, input) {
  input.id ||= nextId();
  return h('div', { class: 'field check' }, input, h('label', { for: input.id }, label));
}
