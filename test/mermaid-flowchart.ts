/**
 * A parser for the part of Mermaid's flowchart grammar the guide uses
 * (mermaid.js.org, "Flowcharts - Basic Syntax"; the grammar is
 * packages/mermaid/src/diagrams/flowchart/parser/flow.jison): a header with a
 * direction, `subgraph id["title"]` … `end`, and chains of nodes and links.
 * It throws on what Mermaid would reject or misread — an unknown direction, an
 * unbalanced `end`, a keyword used as an id, an unterminated or unquoted label
 * with shape characters, a link glued to an `o`/`x` (Mermaid reads a circle or
 * cross arrow), a node given two different labels — so a test can parse every
 * diagram the guide renders. Mermaid itself needs a browser (DOMPurify, layout).
 */

export type Shape = 'box' | 'round' | 'rounded' | 'database' | 'circle' | 'decision' | 'subroutine' | 'hexagon' | 'asymmetric';

export interface FlowNode {
  readonly id: string;
  label?: string;
  shape?: Shape;
}

export interface FlowEdge {
  readonly from: string;
  readonly to: string;
  readonly label?: string;
  readonly dotted: boolean;
}

export interface FlowSubgraph {
  readonly id: string;
  readonly label?: string;
  readonly members: string[];
}

export interface Flowchart {
  readonly direction: string;
  readonly nodes: Map<string, FlowNode>;
  readonly edges: FlowEdge[];
  readonly subgraphs: FlowSubgraph[];
}

const DIRECTIONS = ['TB', 'TD', 'BT', 'RL', 'LR'];
const KEYWORDS = ['end', 'subgraph', 'graph', 'flowchart', 'style', 'class', 'classDef', 'click', 'linkStyle', 'direction', 'default'];
/** Opening and closing delimiters, longest first so that `([` wins over `(`. */
const SHAPES: Array<[string, string, Shape]> = [
  ['([', '])', 'rounded'], ['[(', ')]', 'database'], ['((', '))', 'circle'], ['[[', ']]', 'subroutine'], ['{{', '}}', 'hexagon'],
  ['[', ']', 'box'], ['(', ')', 'round'], ['{', '}', 'decision'], ['>', ']', 'asymmetric'],
];
/** Links, longest first. */
const LINKS: Array<[string, boolean]> = [['-.->', true], ['-.-', true], ['-->', false], ['---', false], ['==>', false], ['===', false]];
const ID = /^[A-Za-z0-9_]+/;
/** Characters an unquoted label may not contain: Mermaid reads them as shape or link syntax. */
const UNQUOTED_FORBIDDEN = /[[\](){}|"<>]/;
/** Mermaid's entity codes (`#quot;`, `#35;`): any other `#` is literal, but these must be complete. */
const BROKEN_ENTITY = /#(?![A-Za-z]+;|\d+;)/;

class Cursor {
  public pos = 0;
  public constructor(public readonly text: string, public readonly line: number) {}
  public get rest(): string {
    return this.text.slice(this.pos);
  }
  public skipSpace(): boolean {
    const before = this.pos;
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
    return this.pos > before;
  }
  public done(): boolean {
    return this.pos >= this.text.length;
  }
  public fail(message: string): never {
    throw new Error(`Mermaid parse error on line ${this.line}: ${message} at ${JSON.stringify(this.rest.slice(0, 30))}`);
  }
}

export function parseFlowchart(source: string): Flowchart {
  const lines = source.split('\n');
  const header = /^\s*(flowchart|graph)\s+(\S+)\s*$/.exec(lines[0] ?? '');
  if (!header) throw new Error(`Mermaid parse error on line 1: expected "flowchart <direction>", got ${JSON.stringify(lines[0])}`);
  if (!DIRECTIONS.includes(header[2])) throw new Error(`Mermaid parse error on line 1: unknown direction ${header[2]}`);
  const chart: Flowchart = { direction: header[2], nodes: new Map(), edges: [], subgraphs: [] };
  const open: FlowSubgraph[] = [];

  lines.slice(1).forEach((raw, i) => {
    const text = raw.trim();
    if (text === '' || text.startsWith('%%')) return;
    const cursor = new Cursor(text, i + 2);
    if (text === 'end') {
      if (open.length === 0) cursor.fail('"end" without a subgraph');
      open.pop();
      return;
    }
    if (/^subgraph\s/.test(text)) {
      cursor.pos = 'subgraph'.length;
      cursor.skipSpace();
      const id = readId(cursor);
      const label = cursor.rest.startsWith('[') ? readLabel(cursor, '[', ']') : undefined;
      if (!cursor.done()) cursor.fail('unexpected text after the subgraph title');
      if (chart.nodes.has(id) || chart.subgraphs.some(s => s.id === id)) cursor.fail(`subgraph id ${id} is already used`);
      const subgraph: FlowSubgraph = { id, label, members: [] };
      chart.subgraphs.push(subgraph);
      open.push(subgraph);
      return;
    }
    parseChain(cursor, chart, open[open.length - 1]);
  });
  if (open.length > 0) throw new Error(`Mermaid parse error: subgraph ${open[open.length - 1].id} has no "end"`);
  for (const edge of chart.edges) {
    for (const end of [edge.from, edge.to]) {
      if (!chart.nodes.has(end) && !chart.subgraphs.some(s => s.id === end)) throw new Error(`Mermaid parse error: link to undeclared ${end}`);
    }
  }
  return chart;
}

function parseChain(cursor: Cursor, chart: Flowchart, subgraph: FlowSubgraph | undefined): void {
  let previous = parseNode(cursor, chart, subgraph);
  for (;;) {
    cursor.skipSpace();
    if (cursor.done()) return;
    const link = LINKS.find(([arrow]) => cursor.rest.startsWith(arrow));
    if (!link) cursor.fail('expected a link (-->, -.->, ---, ==>)');
    cursor.pos += link[0].length;
    let label: string | undefined;
    if (cursor.rest.startsWith('|')) label = readEdgeLabel(cursor);
    if (!cursor.skipSpace()) cursor.fail('a link must be followed by a space (Mermaid reads "-->o"/"-->x" as another arrow)');
    const next = parseNode(cursor, chart, subgraph);
    chart.edges.push({ from: previous, to: next, dotted: link[1], ...(label !== undefined ? { label } : {}) });
    previous = next;
  }
}

function parseNode(cursor: Cursor, chart: Flowchart, subgraph: FlowSubgraph | undefined): string {
  const id = readId(cursor);
  const shape = SHAPES.find(([openWith]) => cursor.rest.startsWith(openWith));
  const isSubgraph = chart.subgraphs.some(s => s.id === id);
  if (shape) {
    if (isSubgraph) cursor.fail(`${id} is a subgraph, not a node`);
    const label = readLabel(cursor, shape[0], shape[1]);
    const known = chart.nodes.get(id);
    if (known?.label !== undefined && (known.label !== label || known.shape !== shape[2])) cursor.fail(`node ${id} is declared twice, differently`);
    chart.nodes.set(id, { id, label, shape: shape[2] });
    if (subgraph && !subgraph.members.includes(id)) subgraph.members.push(id);
  } else if (!isSubgraph && !chart.nodes.has(id)) {
    chart.nodes.set(id, { id });
    if (subgraph) subgraph.members.push(id);
  }
  return id;
}

function readId(cursor: Cursor): string {
  const match = ID.exec(cursor.rest);
  if (!match) cursor.fail('expected an id (letters, digits, "_")');
  if (KEYWORDS.includes(match[0])) cursor.fail(`${match[0]} is a keyword, not an id`);
  cursor.pos += match[0].length;
  return match[0];
}

function readLabel(cursor: Cursor, openWith: string, closeWith: string): string {
  cursor.pos += openWith.length;
  let label: string;
  if (cursor.rest.startsWith('"')) {
    const end = cursor.text.indexOf('"', cursor.pos + 1);
    if (end < 0) cursor.fail('unterminated quoted label');
    label = cursor.text.slice(cursor.pos + 1, end);
    cursor.pos = end + 1;
  } else {
    const end = cursor.text.indexOf(closeWith, cursor.pos);
    if (end < 0) cursor.fail(`label without its closing ${closeWith}`);
    label = cursor.text.slice(cursor.pos, end);
    if (UNQUOTED_FORBIDDEN.test(label)) cursor.fail('an unquoted label with shape characters; quote it');
    cursor.pos = end;
  }
  if (!cursor.rest.startsWith(closeWith)) cursor.fail(`expected ${closeWith}`);
  cursor.pos += closeWith.length;
  if (BROKEN_ENTITY.test(label)) cursor.fail('an incomplete entity code in a label');
  return label;
}

function readEdgeLabel(cursor: Cursor): string {
  cursor.pos += 1;
  let label: string;
  if (cursor.rest.startsWith('"')) {
    const end = cursor.text.indexOf('"', cursor.pos + 1);
    if (end < 0) cursor.fail('unterminated quoted link text');
    label = cursor.text.slice(cursor.pos + 1, end);
    cursor.pos = end + 1;
  } else {
    const end = cursor.text.indexOf('|', cursor.pos);
    if (end < 0) cursor.fail('link text without its closing |');
    label = cursor.text.slice(cursor.pos, end);
    if (/["]/.test(label)) cursor.fail('a quote inside unquoted link text');
    cursor.pos = end;
  }
  if (!cursor.rest.startsWith('|')) cursor.fail('expected | after the link text');
  cursor.pos += 1;
  return label;
}
