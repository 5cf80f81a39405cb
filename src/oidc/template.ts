/**
 * The subset of Go's text/template (https://pkg.go.dev/text/template) that Fulcio's ci-provider
 * templates use, with `Option("missingkey=error")` semantics over a map of strings:
 *
 *   {{ .url }}/{{ .job_workflow_ref }}
 *   refs/{{if eq .ref_type "branch"}}heads/{{ else }}tags/{{end}}{{ .ref }}
 *   {{.api_url}}/pipeline/{{(index . "oidc.circleci.com/pipeline-id")}}/config
 *
 * Supported: text, `{{- -}}` trimming, comments, `.field`, `.`, string/raw/number/bool literals,
 * parentheses, the functions index/eq/ne/not/and/or/len, and if / else if / else / end.
 * Anything else (range, with, pipes, variables) is a compile error, found when the config loads.
 */
import { SealhouseError } from '../errors.js';

type Expr =
  | { kind: 'dot' }
  | { kind: 'field'; name: string }
  | { kind: 'lit'; value: string | number | boolean }
  | { kind: 'call'; fn: string; args: Expr[] };
type Node = { kind: 'text'; text: string } | { kind: 'out'; expr: Expr } | { kind: 'if'; cond: Expr; then: Node[]; else: Node[] };
type Value = string | number | boolean | Readonly<Record<string, string>>;

export interface CompiledTemplate {
  readonly source: string;
  render(data: Readonly<Record<string, string>>): string;
}

const FUNCTIONS = new Set(['index', 'eq', 'ne', 'not', 'and', 'or', 'len']);
const TOKEN = /\s*(?:(\()|(\))|("(?:[^"\\]|\\.)*")|(`[^`]*`)|(\.[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*|\.)|(-?\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*))/y;

function fail(source: string, why: string): SealhouseError {
  return new SealhouseError('invalid_input', `template ${JSON.stringify(source)}: ${why}`);
}

function goString(src: string, quoted: string): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    throw fail(src, `unsupported escape in ${quoted}`);
  }
}

function parseExpr(src: string, text: string): Expr {
  const tokens: string[] = [];
  const end = text.trimEnd().length;
  for (let pos = 0; pos < end; pos = TOKEN.lastIndex) {
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(text);
    if (!m) throw fail(src, `cannot parse action "${text.trim()}"`);
    tokens.push(m[0].trim());
  }
  let at = 0;
  const operand = (): Expr => {
    const t = tokens[at++];
    if (t === undefined) throw fail(src, 'missing operand');
    if (t === '(') {
      const inner = command(')');
      if (tokens[at++] !== ')') throw fail(src, 'unclosed parenthesis');
      return inner;
    }
    if (t === '.') return { kind: 'dot' };
    if (t.startsWith('.')) return { kind: 'field', name: t.slice(1) };
    if (t.startsWith('"')) return { kind: 'lit', value: goString(src, t) };
    if (t.startsWith('`')) return { kind: 'lit', value: t.slice(1, -1) };
    if (/^-?\d/.test(t)) return { kind: 'lit', value: Number(t) };
    if (t === 'true' || t === 'false') return { kind: 'lit', value: t === 'true' };
    throw fail(src, `"${t}" is not an operand`);
  };
  const command = (stop?: string): Expr => {
    const head = tokens[at];
    if (head !== undefined && FUNCTIONS.has(head)) {
      at++;
      const args: Expr[] = [];
      while (at < tokens.length && tokens[at] !== stop) args.push(operand());
      return { kind: 'call', fn: head, args };
    }
    const single = operand();
    if (at < tokens.length && tokens[at] !== stop) throw fail(src, `unexpected "${tokens[at] ?? ''}" (only ${[...FUNCTIONS].join(', ')} take arguments)`);
    return single;
  };
  const expr = command();
  if (at !== tokens.length) throw fail(src, `unexpected "${tokens[at] ?? ''}"`);
  return expr;
}

/** Split into text and actions, applying `{{-` / `-}}` whitespace trimming. */
function lex(src: string): { text?: string; action?: string }[] {
  const parts: { text?: string; action?: string }[] = [];
  let rest = src;
  while (rest.length > 0) {
    const open = rest.indexOf('{{');
    if (open < 0) {
      parts.push({ text: rest });
      break;
    }
    const close = rest.indexOf('}}', open + 2);
    if (close < 0) throw fail(src, 'unclosed action');
    let action = rest.slice(open + 2, close);
    let text = rest.slice(0, open);
    if (/^-\s/.test(action)) [text, action] = [text.trimEnd(), action.slice(1)];
    let after = rest.slice(close + 2);
    if (/\s-$/.test(action)) [action, after] = [action.slice(0, -1), after.trimStart()];
    if (text) parts.push({ text });
    if (!/^\s*\/\*[\s\S]*\*\/\s*$/.test(action)) parts.push({ action: action.trim() });
    rest = after;
  }
  return parts;
}

export function compileTemplate(source: string): CompiledTemplate {
  const parts = lex(source);
  let at = 0;
  const list = (): { nodes: Node[]; end: string | undefined } => {
    const nodes: Node[] = [];
    while (at < parts.length) {
      const p = parts[at++] as { text?: string; action?: string };
      if (p.text !== undefined) nodes.push({ kind: 'text', text: p.text });
      else if (p.action === 'end' || p.action === 'else' || p.action?.startsWith('else if ')) return { nodes, end: p.action };
      else if (p.action?.startsWith('if ')) nodes.push(ifNode(p.action.slice(3)));
      else if (/^(range|with|define|template|block)\b|\$|\|/.test(p.action ?? '')) throw fail(source, `unsupported action "${p.action ?? ''}"`);
      else nodes.push({ kind: 'out', expr: parseExpr(source, p.action ?? '') });
    }
    return { nodes, end: undefined };
  };
  const ifNode = (cond: string): Node => {
    const then = list();
    if (then.end === 'end') return { kind: 'if', cond: parseExpr(source, cond), then: then.nodes, else: [] };
    if (then.end?.startsWith('else if ')) return { kind: 'if', cond: parseExpr(source, cond), then: then.nodes, else: [ifNode(then.end.slice(8))] };
    if (then.end !== 'else') throw fail(source, 'missing {{end}}');
    const otherwise = list();
    if (otherwise.end !== 'end') throw fail(source, 'missing {{end}} after {{else}}');
    return { kind: 'if', cond: parseExpr(source, cond), then: then.nodes, else: otherwise.nodes };
  };
  const top = list();
  if (top.end !== undefined) throw fail(source, `unexpected {{${top.end}}}`);
  return { source, render: (data) => render(source, top.nodes, data) };
}

const truthy = (v: Value): boolean => (typeof v === 'object' ? Object.keys(v).length > 0 : Boolean(v));

function evaluate(src: string, e: Expr, data: Readonly<Record<string, string>>): Value {
  switch (e.kind) {
    case 'dot':
      return data;
    case 'lit':
      return e.value;
    case 'field': {
      const [name, ...more] = e.name.split('.');
      if (more.length > 0) throw fail(src, `can't evaluate field ${more[0] ?? ''} in type string`);
      if (!Object.hasOwn(data, name as string)) throw fail(src, `map has no entry for key "${name ?? ''}"`);
      return data[name as string] as string;
    }
    case 'call': {
      const args = e.args.map((a) => evaluate(src, a, data));
      const [a, b] = args;
      if (e.fn === 'index') {
        if (typeof a !== 'object' || typeof b !== 'string' || args.length !== 2) throw fail(src, 'index takes a map and one string key');
        return Object.hasOwn(a, b) ? (a[b] as string) : '';
      }
      if (e.fn === 'eq') return args.length >= 2 && args.slice(1).some((x) => x === a);
      if (e.fn === 'ne') return args.length === 2 && a !== b;
      if (e.fn === 'not') return !truthy(a ?? '');
      if (e.fn === 'and') return args.find((x) => !truthy(x)) ?? args[args.length - 1] ?? '';
      if (e.fn === 'or') return args.find((x) => truthy(x)) ?? args[args.length - 1] ?? '';
      return typeof a === 'object' ? Object.keys(a).length : String(a ?? '').length;
    }
  }
}

function render(src: string, nodes: readonly Node[], data: Readonly<Record<string, string>>): string {
  let out = '';
  for (const n of nodes) {
    if (n.kind === 'text') out += n.text;
    else if (n.kind === 'if') out += render(src, truthy(evaluate(src, n.cond, data)) ? n.then : n.else, data);
    else {
      const v = evaluate(src, n.expr, data);
      if (typeof v === 'object') throw fail(src, 'cannot print a map');
      out += String(v);
    }
  }
  return out;
}
