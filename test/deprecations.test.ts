import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { REPO_ROOT } from './helpers';

const PROGRAM_DIR = path.join(REPO_ROOT, 'program', 'infra');

/**
 * Every use of a symbol the typings mark `@deprecated`, found with the
 * TypeScript checker and the program's own tsconfig: references (a deprecated
 * class, a property read) and, which TypeScript's own deprecation diagnostics
 * skip, properties of object literals passed as resource args.
 */
function deprecations(files: Record<string, string>): string[] {
  const config = ts.readConfigFile(path.join(PROGRAM_DIR, 'tsconfig.json'), ts.sys.readFile).config;
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, PROGRAM_DIR);
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.readFile = name => files[name] ?? readFile(name);
  host.fileExists = name => name in files || fileExists(name);
  const program = ts.createProgram(Object.keys(files), options, host);
  const checker = program.getTypeChecker();
  const errors = ts.getPreEmitDiagnostics(program).filter(d => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) throw new Error(ts.formatDiagnostics(errors, host));

  const isDeprecated = (symbol: ts.Symbol | undefined): boolean => {
    if (!symbol) return false;
    // eslint-disable-next-line no-bitwise
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    return (target.declarations ?? []).some(d => ts.getJSDocDeprecatedTag(d) !== undefined);
  };
  const found: string[] = [];
  for (const file of Object.keys(files)) {
    const source = program.getSourceFile(file)!;
    const report = (node: ts.Node, what: string) => {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
      found.push(`${path.relative(REPO_ROOT, file)}:${line + 1}: ${what} is deprecated`);
    };
    const visit = (node: ts.Node): void => {
      if ((ts.isPropertyAssignment(node) || ts.isShorthandPropertyAssignment(node)) && ts.isObjectLiteralExpression(node.parent)) {
        const contextual = checker.getContextualType(node.parent);
        const name = node.name.getText(source);
        const members = contextual ? (contextual.isUnion() ? contextual.types : [contextual]) : [];
        if (members.some(t => isDeprecated(checker.getPropertyOfType(t, name)))) report(node.name, `property "${name}"`);
      } else if (ts.isIdentifier(node) && !ts.isPropertyAssignment(node.parent)) {
        // @pulumi/aws re-exports resource classes as lazily loaded consts: look through to the class too.
        const type = checker.getTypeAtLocation(node).getSymbol();
        // eslint-disable-next-line no-bitwise
        const viaType = type !== undefined && (type.flags & ts.SymbolFlags.Class) !== 0 && isDeprecated(type);
        if (viaType || isDeprecated(checker.getSymbolAtLocation(node))) report(node, `"${node.text}"`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

describe('no deprecated @pulumi/aws type or property', () => {
  test('the check finds deprecated args, types and properties when they are used', () => {
    const probe = path.join(PROGRAM_DIR, '__deprecation_probe__.ts');
    const found = deprecations({
      [probe]: [
        "import * as aws from '@pulumi/aws';",
        "new aws.s3.Bucket('b', { versioning: { enabled: true } });",
        "new aws.cloudwatch.EventRule('r', { isEnabled: true });",
        "new aws.s3.BucketV2('v2', {});",
        'export const region = aws.getRegionOutput().name;',
      ].join('\n'),
    });
    expect(found.join('\n')).toMatch(/versioning.*deprecated/);
    expect(found.join('\n')).toMatch(/isEnabled.*deprecated/);
    expect(found.join('\n')).toMatch(/BucketV2.*deprecated/);
    expect(found.join('\n')).toMatch(/"name" is deprecated/);
  });

  test('the shipped program uses none', () => {
    const files = Object.fromEntries(fs.readdirSync(PROGRAM_DIR).filter(f => f.endsWith('.ts'))
      .map(f => [path.join(PROGRAM_DIR, f), fs.readFileSync(path.join(PROGRAM_DIR, f), 'utf-8')]));
    expect(Object.keys(files).length).toBeGreaterThanOrEqual(5);
    expect(deprecations(files)).toEqual([]);
  });
});
