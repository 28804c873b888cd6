/**
 * HTML built so that text cannot become markup by mistake. `markup` is a tagged template:
 * every value put into it is escaped (`& < > " '`) unless it is itself `Html` (made by
 * `markup` or, for a constant the code wrote, `trustedHtml`), so a string from a hostile
 * source, put between tags or inside a quoted attribute, always stays text. Nothing here
 * parses HTML; values go only where text or a quoted attribute value is expected. (Not named
 * `html`: Prettier would reformat such templates as HTML and change what they render.)
 *
 * @example
 * markup`<td title="${message}">${name}</td>`; // both escaped
 * markup`<ul>${items.map((item) => markup`<li>${item}</li>`)}</ul>`; // nested Html kept
 */

/** Held only here: only this module makes `Html`, so no string passes for markup by accident. */
const maker = Symbol('html');

/** Markup that is safe to emit as it is. */
export class Html {
  readonly #text: string;

  constructor(token: typeof maker, text: string) {
    if (token !== maker) throw new TypeError('Html is made by markup`…` or trustedHtml().');
    this.#text = text;
  }

  toString(): string {
    return this.#text;
  }
}

/** What may be put into `markup`: text is escaped, absent values and `false` render nothing. */
export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** `text` as HTML text, safe between tags and inside a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => entities[c] ?? c);
}

function render(value: HtmlValue): string {
  if (value instanceof Html) return value.toString();
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

export function markup(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let text = strings[0] ?? '';
  values.forEach((value, i) => {
    text += render(value) + (strings[i + 1] ?? '');
  });
  return new Html(maker, text);
}

/** Markup the code itself wrote (a stylesheet): never pass it anything read from elsewhere. */
export function trustedHtml(text: string): Html {
  return new Html(maker, text);
}
