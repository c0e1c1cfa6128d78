/** Small DOM helpers of the integration screen: element lookup, messages next to fields, the live region, copy buttons, debouncing. */

export const $ = (id) => document.getElementById(id);

/** Creates an element with properties and children. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('aria-') || k.startsWith('data-') || k === 'for' || k === 'role') node.setAttribute(k, v);
    else node[k] = v;
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

/** Shows `text` under the field `id` (its `<p id="ID-msg">`), marks it `aria-invalid` and links it with `aria-describedby`. */
export function fieldMessage(id, text, kind = 'error') {
  const input = $(id);
  const msg = $(`${id}-msg`);
  if (!input || !msg) return false;
  msg.textContent = text;
  msg.className = `msg ${text ? kind : ''}`;
  if (text && kind === 'error') input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
  const described = new Set((input.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean));
  if (text) described.add(msg.id);
  else described.delete(msg.id);
  if (described.size) input.setAttribute('aria-describedby', [...described].join(' '));
  else input.removeAttribute('aria-describedby');
  return true;
}

export const clearMessage = (id) => fieldMessage(id, '');

let toastTimer = null;
/** Announces `text` through the page's live region (also shown as a toast for a few seconds). */
export function announce(text, kind = 'info') {
  const box = $('announce');
  box.textContent = '';
  box.className = `toast show ${kind}`;
  // A fresh text node after clearing makes screen readers announce a repeated message too.
  requestAnimationFrame(() => { box.textContent = text; });
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => box.classList.remove('show'), 6000);
}

/** Copies `text` and briefly relabels the button ("Copied"). */
export async function copyText(button, text) {
  const label = button.textContent;
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = 'Copied';
  } catch {
    button.textContent = 'Copy failed: select and copy';
  }
  setTimeout(() => { button.textContent = label; }, 1500);
}

/** Runs `fn` `ms` after the last call. */
export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** Pretty JSON when `text` parses, else `text` as is. */
export function pretty(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text ?? '';
  }
}

/** Sets a button busy: disabled, `aria-busy`, and back. */
export function busy(button, on) {
  button.disabled = on;
  if (on) button.setAttribute('aria-busy', 'true');
  else button.removeAttribute('aria-busy');
}
