// The view lives in the URL's fragment, so a link reproduces what its sender saw.

export const STATE_KEYS = [
  'run',
  'a',
  'b',
  'component',
  'category',
  'status',
  'q',
  'sort',
] as const;
export type ViewState = Partial<Record<(typeof STATE_KEYS)[number], string>>;

export function readState(hash: string = location.hash): ViewState {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const state: ViewState = {};
  for (const key of STATE_KEYS) {
    const value = params.get(key);
    if (value) state[key] = value;
  }
  return state;
}

export function hashOf(state: ViewState): string {
  const params = new URLSearchParams();
  for (const key of STATE_KEYS) {
    const value = state[key];
    if (value) params.set(key, value);
  }
  const text = params.toString();
  return text ? `#${text}` : '#';
}

/**
 * Changes the view. A new view (another run, another comparison) is a history entry the back
 * button returns from; a refinement (typing in the search box) replaces the current entry and
 * is drawn by the caller, since replaceState fires no hashchange.
 */
export function navigate(patch: ViewState, options: { replace?: boolean } = {}): void {
  const next = hashOf({ ...readState(), ...patch });
  if (options.replace) history.replaceState(null, '', next);
  else location.hash = next;
}
