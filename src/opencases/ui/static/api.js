// The Kibana API, as this browser's session calls it.

const match = location.pathname.match(/^\/s\/([a-z0-9_-]+)(?=\/|$)/);
/** The space of this page, and the path prefix that names it (none for the default). */
export const spaceId = match ? match[1] : 'default';
export const spacePrefix = match ? `/s/${match[1]}` : '';

/** An API error: Kibana's status code and message. */
export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

/**
 * Call the API in this page's space: `api('GET', '/api/cases/_find', {query: {page: 1}})`.
 * `body` is sent as JSON, `form` as multipart; `global` calls a path outside any space.
 */
export async function api(method, path, { body, query, form, global = false } = {}) {
  const headers = { 'kbn-xsrf': 'opencases', 'x-elastic-internal-origin': 'Kibana' };
  let payload;
  if (form) {
    payload = form;
  } else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const url = new URL((global ? '' : spacePrefix) + path, location.origin);
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === '') continue;
    for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(name, item);
  }
  const response = await fetch(url, { method, headers, body: payload, credentials: 'same-origin' });
  if (response.status === 401) {
    // The session ended (logged out elsewhere, expired, password changed): sign in again.
    const next = location.pathname + location.search;
    const reason = response.headers.get('kbn-session-error-reason');
    const query = new URLSearchParams({ next, ...(reason ? { msg: reason } : {}) });
    location.assign(`/login?${query}`);
    throw new ApiError(401, 'Your session has ended.');
  }
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, data?.message ?? response.statusText, data);
  return data;
}
