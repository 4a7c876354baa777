// What the case page's modules share: names, ids, files, and settling a request.

/** Who a user reference names: full name, else username, else email. */
export function nameOf(user) {
  return user?.full_name || user?.username || user?.email || 'Unknown';
}

/** What a promise gives, or the error it fails with: a section that fails says so alone. */
export async function settle(promise) {
  try {
    return { value: await promise };
  } catch (error) {
    return { error };
  }
}

export function sameList(left, right) {
  return left.length === right.length && left.every((item, index) => item === right[index]);
}

export function fileName(file) {
  return file.extension ? `${file.name}.${file.extension}` : file.name;
}

export function safeUrl(url) {
  return typeof url === 'string' && /^https?:\/\//i.test(url) ? url : null;
}

export function sizeOf(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A form field's id from any key (custom field keys and comment ids may hold anything). */
export function idFor(prefix, key) {
  return `${prefix}-${String(key).replace(/[^A-Za-z0-9_-]/g, '_')}`;
}
