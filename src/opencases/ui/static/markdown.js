// Comments and descriptions are Markdown: rendered by marked, sanitised by DOMPurify.

import { marked } from './vendor/marked.esm.js';
import DOMPurify from './vendor/purify.es.mjs';

marked.setOptions({ gfm: true, breaks: true });
// HTML written in a comment is shown as text, as Kibana's Markdown shows it: it never
// reaches a parser (DOMPurify would drop what runs, but the browser would still see it).
const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
marked.use({ renderer: { html: ({ text }) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]) } });

/** A `div` holding `text` rendered as Markdown, safe to put in the page. */
export function markdown(text) {
  const html = DOMPurify.sanitize(marked.parse(text ?? ''), { USE_PROFILES: { html: true } });
  const element = document.createElement('div');
  element.className = 'markdown';
  element.innerHTML = html;
  for (const link of element.querySelectorAll('a[href]')) {
    link.rel = 'noopener noreferrer nofollow';
    link.target = '_blank';
  }
  return element;
}
