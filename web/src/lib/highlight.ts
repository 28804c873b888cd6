/**
 * Syntax colours for the diff view: a line of code split into pieces by Prism's grammars
 * (chosen by the file's extension), each piece its text and the kind of token it is. The
 * view renders them as React text in spans, never as HTML, so code an agent wrote stays
 * text. A file of a language not listed here is one plain piece per line. Lines are
 * tokenized one at a time (a diff shows fragments), so a construct spanning lines (a block
 * comment) is coloured line by line as far as each line shows it.
 */
import './prism-manual.js';
import Prism from 'prismjs';
import 'prismjs/components/prism-clike.js';
import 'prismjs/components/prism-javascript.js';
import 'prismjs/components/prism-typescript.js';
import 'prismjs/components/prism-jsx.js';
import 'prismjs/components/prism-tsx.js';
import 'prismjs/components/prism-json.js';
import 'prismjs/components/prism-python.js';
import 'prismjs/components/prism-go.js';
import 'prismjs/components/prism-rust.js';
import 'prismjs/components/prism-bash.js';
import 'prismjs/components/prism-yaml.js';
import 'prismjs/components/prism-java.js';
import 'prismjs/components/prism-c.js';
import 'prismjs/components/prism-cpp.js';
import 'prismjs/components/prism-ruby.js';
import 'prismjs/components/prism-markdown.js';

export interface CodePiece {
  text: string;
  /** Prism's token type (keyword, string, comment…), or null for plain text. */
  kind: string | null;
}

const byExtension: Record<string, string> = {
  js: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  jsx: 'jsx',
  ts: 'typescript',
  mts: 'typescript',
  cts: 'typescript',
  tsx: 'tsx',
  json: 'json',
  py: 'python',
  go: 'go',
  rs: 'rust',
  sh: 'bash',
  bash: 'bash',
  yml: 'yaml',
  yaml: 'yaml',
  java: 'java',
  c: 'c',
  h: 'c',
  cc: 'cpp',
  cpp: 'cpp',
  hpp: 'cpp',
  rb: 'ruby',
  md: 'markdown',
  css: 'css',
  html: 'markup',
  xml: 'markup',
  svg: 'markup',
};

/** The grammar for a path, by its extension; null when none is known. */
export function grammarFor(path: string): Prism.Grammar | null {
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase();
  const name = ext === undefined ? undefined : byExtension[ext];
  return (name && Prism.languages[name]) || null;
}

/**
 * @example highlightLine('const a = 1;', grammarFor('x.ts'))
 *   // [{ text: 'const', kind: 'keyword' }, { text: ' a ', kind: null }, …]
 */
export function highlightLine(code: string, grammar: Prism.Grammar | null): CodePiece[] {
  if (grammar === null || code === '') return [{ text: code, kind: null }];
  const pieces: CodePiece[] = [];
  const walk = (stream: Prism.TokenStream, kind: string | null): void => {
    if (typeof stream === 'string') {
      if (stream) pieces.push({ text: stream, kind });
    } else if (Array.isArray(stream)) {
      for (const part of stream) walk(part, kind);
    } else {
      walk(stream.content, stream.type);
    }
  };
  walk(Prism.tokenize(code, grammar), null);
  return pieces;
}
