/**
 * The page's policy refuses inline styles but for those carrying its nonce (the server
 * puts a new one in the `csp-nonce` meta tag of each copy of the page). xterm.js draws the
 * web terminal with style elements it makes itself, so every style element made on this
 * page is given the nonce as it is made, before it can be attached.
 */
let applied = false;

export function applyStyleNonce(): void {
  if (applied) return;
  applied = true;
  const nonce = document.querySelector<HTMLMetaElement>('meta[name="csp-nonce"]')?.content;
  if (!nonce || nonce.startsWith('__')) return;
  const create = document.createElement.bind(document);
  const made = (tag: string, options?: ElementCreationOptions): HTMLElement => {
    const element = create(tag, options);
    if (tag.toLowerCase() === 'style') element.setAttribute('nonce', nonce);
    return element;
  };
  document.createElement = made;
}
