/** What a user may write after `component:`, classified before any git call. */
export type RefRequest =
  | { kind: 'default-branch' }
  | { kind: 'commit'; sha: string }
  | { kind: 'pull-request'; number: number; ref: string }
  | { kind: 'full-ref'; ref: string }
  | { kind: 'name'; name: string };

const FULL_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;
const PULL_REQUEST = /^pr\/(.*)$/;
// Characters git accepts in ref names that are also harmless everywhere streamstress shows
// or passes a ref (command arguments, file names, markdown, HTML).
const SAFE_CHARACTERS = /^[A-Za-z0-9._/+-]+$/;

/**
 * Why `ref` cannot be used, or undefined when it can. Refuses what git would read as an option,
 * revision syntax (`..`, `@{`), and anything with control characters, spaces or shell
 * metacharacters, so a ref can never become more than a ref.
 */
export function refProblem(ref: string): string | undefined {
  if (ref === '') return 'the ref is empty';
  if (ref.startsWith('-'))
    return `"${printable(ref)}" starts with "-", which git would read as an option`;
  if (ref.includes('..')) return `"${printable(ref)}" contains "..", which git reads as a range`;
  if (ref.includes('@{'))
    return `"${printable(ref)}" contains "@{", which git reads as reflog syntax`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(ref)) return `"${printable(ref)}" contains a control character`;
  if (/\s/.test(ref)) return `"${printable(ref)}" contains a space`;
  if (!SAFE_CHARACTERS.test(ref)) {
    const bad = [...ref].find((c) => !SAFE_CHARACTERS.test(c));
    return `"${printable(ref)}" contains "${bad}"; refs may hold letters, digits and . _ / + -`;
  }
  if (ref.startsWith('/') || ref.endsWith('/') || ref.includes('//'))
    return `"${ref}" has an empty path segment`;
  if (ref.endsWith('.') || ref.endsWith('.lock') || /(^|\/)\./.test(ref))
    return `"${ref}" is not a valid git ref name`;
  const pr = PULL_REQUEST.exec(ref);
  if (pr && !/^[1-9][0-9]*$/.test(pr[1] ?? ''))
    return `"${ref}" is not a pull request: write pr/<number>, e.g. pr/123`;
  return undefined;
}

/** Classifies a ref that passed {@link refProblem}. */
export function classifyRef(ref: string | undefined): RefRequest {
  if (ref === undefined || ref === 'HEAD') return { kind: 'default-branch' };
  if (FULL_SHA.test(ref)) return { kind: 'commit', sha: ref.toLowerCase() };
  const pr = PULL_REQUEST.exec(ref);
  if (pr) return { kind: 'pull-request', number: Number(pr[1]), ref: `refs/pull/${pr[1]}/head` };
  if (ref.startsWith('refs/')) return { kind: 'full-ref', ref };
  return { kind: 'name', name: ref };
}

/** Shows control characters as escapes so a message never carries them to a terminal. */
export function printable(text: string): string {
  return JSON.stringify(text)
    .slice(1, -1)
    .replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
