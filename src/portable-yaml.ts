import { createRequire } from 'module';
import { IResolver, ObjectFile, ObjectFileOptions } from 'projen';
import type * as YamlPackage from 'yaml';
import type { IConstruct } from 'constructs';

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
 * and `=` special meaning. Anything that starts like a number is quoted too,
 * whatever a reader's number rules.
 */
export function isAmbiguousPlainScalar(text: string): boolean {
  if (text === '' || /^[-+.]?\d/.test(text) || text === '<<' || text === '=') return true;
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
 * take for a boolean, number, date or null is double-quoted. Multi-line strings
 * are left to the serializer, whose block and quoted styles are strings in
 * every reader.
 */
export function toPortableYaml(data: unknown, comments: YamlComments = {}): string {
  const YAML = yamlPackage();
  const doc = new YAML.Document(data);
  YAML.visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && !node.value.includes('\n') && isAmbiguousPlainScalar(node.value)) {
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
  return doc.toString({ indent: 2, lineWidth: 0 });
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
