// Renders a Metabase-style native SQL file into a parameterised query for the built-in dashboards.
//
// Metabase syntax we support (the subset the dashboards/ files use):
//   {{name}}           a variable; here it becomes a bind parameter ($1, $2, …), never text
//   [[ … {{name}} … ]] an optional clause: kept (its variables bound) when every variable in it has a
//                      value, dropped entirely when any is unset
// Values are never spliced into the SQL text: the output is a list of text pieces between the
// parameters and the values, the shape of a tagged template (so slonik binds them) and of pg's
// (text with $n, values) call. Braces inside string literals, quoted identifiers and comments are left as
// they are. A variable outside an optional clause without a value is an error (Metabase refuses too).
export type TemplateValue = string | number | boolean | null | undefined;

export type RenderedQuery = {
  /** The SQL text with $1..$n placeholders (pg's query(text, values)). */
  text: string;
  /** The text between the placeholders: pieces.length === values.length + 1 (a tagged template's strings). */
  pieces: string[];
  /** One value per placeholder, in order. */
  values: Array<string | number | boolean>;
  /** The variables the query used (bound ones). */
  used: string[];
};

export class TemplateError extends Error {
  override name = 'TemplateError';
}

const VARIABLE = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*$/;

type Token = { kind: 'text'; text: string } | { kind: 'var'; name: string } | { kind: 'optional'; tokens: Token[] };

/** Splits the SQL into text, variables and optional clauses, skipping strings, identifiers and comments. */
export function tokenize(sqlText: string): Token[] {
  const root: Token[] = [];
  let current = root;
  let optionalDepth = 0;
  let text = '';
  const flush = (): void => {
    if (text) current.push({ kind: 'text', text });
    text = '';
  };
  let i = 0;
  while (i < sqlText.length) {
    const c = sqlText[i];
    const next = sqlText[i + 1];
    // quoted string or identifier: copy to the closing quote (a doubled quote is an escaped one)
    if (c === "'" || c === '"') {
      let j = i + 1;
      for (;;) {
        if (j >= sqlText.length) throw new TemplateError(`unterminated ${c === "'" ? 'string literal' : 'quoted identifier'}`);
        if (sqlText[j] === c) {
          if (sqlText[j + 1] === c) j += 2;
          else break;
        } else j += 1;
      }
      text += sqlText.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === '-' && next === '-') {
      const end = sqlText.indexOf('\n', i);
      const stop = end === -1 ? sqlText.length : end;
      text += sqlText.slice(i, stop);
      i = stop;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = sqlText.indexOf('*/', i + 2);
      if (end === -1) throw new TemplateError('unterminated block comment');
      text += sqlText.slice(i, end + 2);
      i = end + 2;
      continue;
    }
    // dollar-quoted strings ($$…$$, $tag$…$tag$) are not used by dashboard files: refuse them rather than misparse
    if (c === '$' && /^\$[A-Za-z_]*\$/.test(sqlText.slice(i))) throw new TemplateError('dollar-quoted strings are not supported in dashboard SQL');
    if (c === '{' && next === '{') {
      const end = sqlText.indexOf('}}', i + 2);
      if (end === -1) throw new TemplateError('unterminated {{variable}}');
      const name = VARIABLE.exec(sqlText.slice(i + 2, end))?.[1];
      if (!name) throw new TemplateError(`invalid variable name ${JSON.stringify(sqlText.slice(i + 2, end))}`);
      flush();
      current.push({ kind: 'var', name });
      i = end + 2;
      continue;
    }
    if (c === '[' && next === '[') {
      if (optionalDepth > 0) throw new TemplateError('optional clauses [[ … ]] cannot be nested');
      flush();
      const block: Token = { kind: 'optional', tokens: [] };
      root.push(block);
      current = block.tokens;
      optionalDepth = 1;
      i += 2;
      continue;
    }
    if (c === ']' && next === ']' && optionalDepth > 0) {
      flush();
      current = root;
      optionalDepth = 0;
      i += 2;
      continue;
    }
    text += c;
    i += 1;
  }
  if (optionalDepth > 0) throw new TemplateError('unterminated optional clause [[');
  flush();
  return root;
}

/** The variables a SQL file mentions, in first-use order, and whether each is required (used outside [[ ]]). */
export function templateVariables(sqlText: string): Array<{ name: string; required: boolean }> {
  const seen = new Map<string, boolean>();
  const visit = (tokens: Token[], optional: boolean): void => {
    for (const token of tokens) {
      if (token.kind === 'var') seen.set(token.name, (seen.get(token.name) ?? false) || !optional);
      else if (token.kind === 'optional') visit(token.tokens, true);
    }
  };
  visit(tokenize(sqlText), false);
  return [...seen].map(([name, required]) => ({ name, required }));
}

const isSet = (value: TemplateValue): value is string | number | boolean => value !== undefined && value !== null && value !== '';

export function renderTemplate(sqlText: string, variables: Record<string, TemplateValue>): RenderedQuery {
  const pieces: string[] = [''];
  const values: Array<string | number | boolean> = [];
  const used = new Set<string>();
  const emit = (tokens: Token[]): void => {
    for (const token of tokens) {
      if (token.kind === 'text') pieces[pieces.length - 1] += token.text;
      else if (token.kind === 'var') {
        const value = variables[token.name];
        if (!isSet(value)) throw new TemplateError(`variable ${token.name} is required`);
        values.push(value);
        pieces.push('');
        used.add(token.name);
      } else {
        const names = token.tokens.filter((t): t is { kind: 'var'; name: string } => t.kind === 'var').map((t) => t.name);
        if (names.every((name) => isSet(variables[name]))) emit(token.tokens);
      }
    }
  };
  emit(tokenize(sqlText));
  const text = pieces.map((piece, n) => (n === 0 ? piece : `$${n}${piece}`)).join('');
  return { text, pieces, values, used: [...used] };
}
