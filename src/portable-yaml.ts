import { createRequire } from 'module';
import type { IConstruct } from 'constructs';
import { IResolver, ObjectFile, ObjectFileOptions } from 'projen';
import type * as YamlPackage from 'yaml';

/**
 * The `yaml` package that projen writes its own YAML files with. jsii allows a
 * library only jsii modules and bundled packages at run time; bundling `yaml`
 * would more than double this package, while projen (our peer dependency)
 * bundles it already. Loaded from projen's location, so it resolves in a
 * consumer's node_modules and in the jsii kernel alike.
 */
let loaded: typeof YamlPackage | undefined;
function yamlPackage(): typeof YamlPackage {
  loaded ??= createRequire(require.resolve('projen'))('yaml') as typeof YamlPackage;
  return loaded;
}

/**
 * Whether `text`, written as a plain (unquoted) scalar, could be read as
 * anything but this string. YAML 1.2 readers take `true`, `null`, `1e3`, `0x1F`,
 * `~` for other types; YAML 1.1 readers (PyYAML, SnakeYAML) also `on`, `yes`,
 * `no`, `off`, `y`, `2024-01-31`, `12:30` and `1_000`, and PyYAML gives `<<`
 * and `=` special meaning and rejects a tab in a plain scalar. Anything that
 * starts like a number, or holds a control character, is quoted too, whatever
 * a reader's rules.
 */
export function isAmbiguousPlainScalar(text: string): boolean {
  if (text === '' || /^[-+.]?\d/.test(text) || text === '<<' || text === '=') return true;
  // YAML 1.2 allows tabs and other controls inside plain scalars; PyYAML rejects them.
  if (/[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]/.test(text)) return true;
  // A word of letters is a string in every reader unless it is one of YAML 1.1's booleans or nulls (any
  // case); most keys are. With digits it may be a number to some reader (the yaml package's 1.1 schema reads
  // `e2` as one), so it is parsed below.
  if (/^[A-Za-z_][A-Za-z_-]*$/.test(text)) return /^(y|yes|n|no|true|false|on|off|null)$/i.test(text);
  // No boolean, null or number has a blank, and a date with one starts with a digit (above): what is left is
  // syntax (`a: b`, `x #y`), which the serializer quotes by the same rules in YAML 1.2 and 1.1.
  if (/\s/.test(text)) return false;
  const YAML = yamlPackage();
  for (const version of ['1.2', '1.1'] as const) {
    try {
      if (YAML.parse(text, { version, logLevel: 'silent' }) !== text) return true;
    } catch {
      return true;
    }
  }
  return false;
}

/**
 * Characters a YAML reader must not see raw: DEL and the C1 controls are not
 * printable (YAML 1.2 §5.1), and YAML 1.1 reads U+0085, U+2028 and U+2029 as
 * line breaks, so they would split a scalar in PyYAML.
 */
const UNPRINTABLE = /[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/;
const UNPRINTABLE_ALL = new RegExp(UNPRINTABLE.source, 'g');

/**
 * Whether a multi-line string reads back the same from a block literal (`|`)
 * in every reader: no carriage return, and no line that starts or ends with
 * white space (a leading blank would need an indentation indicator that YAML
 * 1.1 readers and the serializer disagree on). Other text is double-quoted.
 */
function isPlainBlockText(text: string): boolean {
  return !text.includes('\r') && text.split('\n').every(line => !/^[ \t]|[ \t]$/.test(line));
}

/** Comment lines to write with a document. */
export interface YamlComments {
  /** Lines above the first entry (no blank line in between). */
  readonly header?: readonly string[];
  /** Lines after the entries of a top-level map, by its key, indented with them. */
  readonly after?: Readonly<Record<string, readonly string[]>>;
}

/**
 * Serializes `data` so that every string reads back as the same string in a
 * YAML 1.2 and a YAML 1.1 reader: a string (key or value) that either would
 * take for a boolean, number, date or null is double-quoted. A multi-line
 * string is a block literal when that is unambiguous, else double-quoted.
 */
export function toPortableYaml(data: unknown, comments: YamlComments = {}): string {
  const YAML = yamlPackage();
  const doc = new YAML.Document(data);
  YAML.visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string') return;
      const multiLine = node.value.includes('\n');
      if (UNPRINTABLE.test(node.value) || (multiLine ? !isPlainBlockText(node.value) : isAmbiguousPlainScalar(node.value))) {
        node.type = 'QUOTE_DOUBLE';
      }
    },
  });
  const comment = (lines: readonly string[]) => lines.map(line => ` ${line}`).join('\n');
  if (comments.header && doc.contents) doc.contents.commentBefore = comment(comments.header);
  for (const [key, lines] of Object.entries(comments.after ?? {})) {
    const node = doc.get(key, true) as YamlPackage.Node | undefined;
    if (node) node.comment = comment(lines);
  }
  // projen's YamlFile options: two-space indent, no folding of long lines.
  const text = doc.toString({ indent: 2, lineWidth: 0 });
  // The serializer escapes only what JSON escapes. Every string holding one of these is double-quoted above
  // (and comments never hold one), so each occurrence is inside double quotes, where `\uXXXX` is an escape.
  return text.replace(UNPRINTABLE_ALL, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A managed YAML file like projen's `YamlFile` (marker comment, overrides,
 * same layout), written with `toPortableYaml` so that user-supplied strings
 * survive any YAML reader (CodeBuild's reader is not documented).
 */
export class PortableYamlFile extends ObjectFile {
  public constructor(scope: IConstruct, filePath: string, options: ObjectFileOptions) {
    super(scope, filePath, options);
  }

  protected synthesizeContent(resolver: IResolver): string | undefined {
    const json = super.synthesizeContent(resolver);
    if (!json) return undefined;
    return [...(this.marker ? [`# ${this.marker}`] : []), '', toPortableYaml(JSON.parse(json))].join('\n');
  }
}

/** Reads YAML with the same `yaml` package (a file this library wrote before, such as `Pulumi.yaml`). */
export function parseYaml(text: string): unknown {
  return yamlPackage().parse(text);
}
