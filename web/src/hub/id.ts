/**
 * Hub ids ('org/name', or a legacy 'name' such as 'gpt2') and the names the
 * Hub and huggingface_hub's cache derive from them.
 */

// huggingface_hub's validate_repo_id: word characters, '-' and '.', at most 96, one optional namespace.
const ID_FORM = /^(?:[\w.-]+\/)?[\w.-]+$/;

/** Whether `text` has the Hub's id form (it may still be a local folder: the caller checks that first). */
export function hasHubIdForm(text: string): boolean {
  if (text.length > 96 || !ID_FORM.test(text)) return false;
  // Names may not start or end with '-' or '.', nor contain '--' or '..' (the cache's separator, a parent path).
  return text.split('/').every((part) => !/^[-.]|[-.]$/.test(part)) && !text.includes('--') && !text.includes('..');
}

/** The repository's folder in huggingface_hub's cache: models--org--name. */
export function cacheFolderName(id: string): string {
  return `models--${id.replace('/', '--')}`;
}

/** A 40-hex git commit sha (a revision that is already a commit needs no resolving). */
export function isCommitSha(revision: string): boolean {
  return /^[0-9a-f]{40}$/.test(revision);
}

/** A repository path as a URL path: each segment encoded, the slashes kept. */
export function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}
