/** Step 3's request side: the "Request body" editor (line numbers, live validation with line and column through the package's Template) and the Prompt Variables form with a type per variable. */
import { Template } from '/pkg/browser.js';
import { $, el, fieldMessage } from './ui.js';

const TYPES = ['text', 'number', 'boolean', 'JSON'];
const DEFAULTS = { prompt: 'Hello! What can you do?', 'system.prompt': 'Answer in one short paragraph.' };
/** Per variable name: { type, value }, kept while the template changes (and across presets). */
const vars = new Map();
let names = [];

/** Line and column of a TEMPLATE_SYNTAX message ("… at line 3, column 11: …"), or null. */
export function position(message) {
  const m = /line (\d+), column (\d+)/.exec(message ?? '');
  return m ? { line: Number(m[1]), column: Number(m[2]) } : null;
}

/** True when the first `{{name}}` of `source` stands inside a JSON string (then its natural type is text). */
function quoted(source, name) {
  const at = source.search(new RegExp(`\\{\\{\\s*${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*\\}\\}`));
  if (at < 0) return true;
  let inString = false;
  for (let i = 0; i < at; i += 1) {
    if (source[i] === '\\') i += 1;
    else if (source[i] === '"') inString = !inString;
  }
  return inString;
}

/** `prompt` and `system.prompt` first, then the others in the template's order. */
function ordered(list) {
  const first = ['prompt', 'system.prompt'].filter((n) => list.includes(n));
  return [...first, ...list.filter((n) => !first.includes(n))];
}

/** Redraws the line numbers for the editor's text; `badLine` is marked. */
export function updateGutter(badLine = null) {
  const lines = $('template').value.split('\n').length;
  $('gutter').replaceChildren(...Array.from({ length: lines }, (_, i) => el('span', { class: i + 1 === badLine ? 'bad' : '' }, String(i + 1))));
  $('gutter').scrollTop = $('template').scrollTop;
}

/** Puts the caret at `line`, `column` (1-based) of the editor. */
function goTo({ line, column }) {
  const area = $('template');
  const lines = area.value.split('\n');
  const offset = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + Math.max(0, column - 1);
  area.focus();
  area.setSelectionRange(offset, offset);
}

/** Validates the template; on success rebuilds the variables form. Returns the variable names or null. */
export function validateTemplate() {
  const source = $('template').value;
  let template;
  try {
    template = new Template(source);
  } catch (e) {
    const at = position(e.message);
    const where = at ? `Line ${at.line}, column ${at.column}: ` : '';
    const message = e.message.replace(/ at line \d+, column \d+/, '');
    fieldMessage('template', `${where}${message}${e.hint ? ` — ${e.hint}` : ''}`);
    updateGutter(at?.line);
    if (at) {
      const jump = el('button', { type: 'button', class: 'btn link small' }, `Go to line ${at.line}, column ${at.column}`);
      jump.addEventListener('click', () => goTo(at));
      $('template-msg').append(' ', jump);
    }
    return null;
  }
  updateGutter();
  names = ordered(template.variables);
  template.free();
  fieldMessage('template', '');
  renderVariables(source);
  return names;
}

function valueControl(id, name, entry) {
  if (entry.type === 'boolean') {
    const select = el('select', { id }, el('option', { value: 'true' }, 'true'), el('option', { value: 'false' }, 'false'));
    select.value = entry.value === 'false' ? 'false' : 'true';
    return select;
  }
  if (entry.type === 'number') return el('input', { id, value: entry.value, inputMode: 'decimal', autocomplete: 'off', spellcheck: false });
  return el('textarea', { id, value: entry.value, rows: name === 'prompt' ? 3 : 2, spellcheck: entry.type === 'text' });
}

function variableRow(name, index) {
  const entry = vars.get(name);
  const id = `var-${index}`;
  const control = valueControl(id, name, entry);
  control.dataset.variable = name;
  control.addEventListener('input', () => { entry.value = control.value; fieldMessage(id, ''); });
  control.addEventListener('change', () => { entry.value = control.value; });
  const type = el('select', { id: `${id}-type`, class: 'type' }, ...TYPES.map((t) => el('option', { value: t }, t)));
  type.value = entry.type;
  type.addEventListener('change', () => {
    entry.type = type.value;
    if (entry.type === 'boolean' && !['true', 'false'].includes(entry.value)) entry.value = 'true';
    renderVariables($('template').value);
    document.getElementById(`${id}-type`)?.focus();
  });
  return el('div', { class: 'var' },
    el('div', { class: 'var-head' },
      el('label', { for: id, class: 'var-name' }, name),
      el('span', { class: 'type-box' }, el('label', { for: `${id}-type`, class: 'type-label' }, el('span', { class: 'sr-only' }, `${name} `), 'type'), type)),
    control,
    el('p', { class: 'msg', id: `${id}-msg` }));
}

/** Rebuilds the Prompt Variables form for the current variable names, keeping values and types by name. */
export function renderVariables(source) {
  for (const name of names) {
    if (!vars.has(name)) vars.set(name, { type: quoted(source, name) ? 'text' : 'number', value: DEFAULTS[name] ?? '' });
  }
  $('variables').replaceChildren(...names.map(variableRow));
  $('variables-empty').hidden = names.length > 0;
}

/** The variables as typed values, or throws after marking the first bad one next to its field. */
export function collectVariables() {
  const out = {};
  names.forEach((name, index) => {
    const { type, value } = vars.get(name);
    const id = `var-${index}`;
    const bad = (text) => {
      fieldMessage(id, text);
      $(id).focus();
      throw Object.assign(new Error(`${name}: ${text}`), { field: id });
    };
    if (type === 'number') {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) bad('Enter a number (e.g. 512 or 0.7).');
      out[name] = n;
    } else if (type === 'boolean') {
      out[name] = value === 'true';
    } else if (type === 'JSON') {
      try {
        out[name] = JSON.parse(value);
      } catch (e) {
        bad(`Not valid JSON: ${e.message}`);
      }
    } else {
      out[name] = value;
    }
  });
  return out;
}

/** The variables form's state for export: { name: { type, value } } of the current names. */
export const exportVariables = () => Object.fromEntries(names.map((n) => [n, { ...vars.get(n) }]));

/** Loads exported variables (types and values) before the form is rebuilt. */
export function importVariables(saved = {}) {
  for (const [name, entry] of Object.entries(saved)) {
    if (entry && TYPES.includes(entry.type)) vars.set(name, { type: entry.type, value: String(entry.value ?? '') });
  }
}

/** The id of the value control of variable `name` (for messages next to it). */
export const variableFieldId = (name) => (names.includes(name) ? `var-${names.indexOf(name)}` : null);
