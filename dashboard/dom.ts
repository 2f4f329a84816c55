// Every value from data/ is untrusted (test names, messages, labels): it reaches the page as
// text nodes and attribute values only, never as markup. Lint forbids innerHTML and d3's html().

type Child = Node | string | number | false | null | undefined;
type Attributes = Record<string, string | number | boolean | undefined>;

/** An element with attributes (false and undefined leave one out) and text or element children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === false || child === null || child === undefined) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** A link only for web addresses: a `javascript:` or `data:` URL from the data stays text. */
export function safeLink(url: string | undefined, text: string): HTMLElement {
  if (!url || !/^https?:\/\//i.test(url)) return h('span', {}, text);
  return h('a', { href: url, rel: 'noopener noreferrer' }, text);
}

export function percent(part: number, whole: number): number {
  return whole ? Math.round((1000 * part) / whole) / 10 : 0;
}

export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined) return '';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function formatTime(iso: string | undefined): string {
  return iso ? iso.slice(0, 16).replace('T', ' ') : '';
}
