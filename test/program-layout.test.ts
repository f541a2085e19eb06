import * as fs from 'fs';
import * as path from 'path';
import { CicdPipelineProject } from '../src';
import { REPO_ROOT, tempDir } from './helpers';
import { PROGRAM_FILES, PROGRAM_SOURCE_DIR } from '../src/pulumi-program';

/** The program's files in the flat layout every consumer had before issue 22 (what their `.projen/files.json` lists). */
const FLAT_LAYOUT = [
  'artifacts.ts', 'backend.ts', 'boundary.ts', 'build.ts', 'codepipeline.ts', 'drift.ts', 'guardrails.ts', 'index.ts', 'key.ts', 'mock-run.ts',
  'notifications.ts', 'pipeline.test.ts', 'pipeline.ts', 'registry.ts', 'release-gates-guardrails.ts', 'release-gates.ts', 'roles.ts', 'scope.ts',
  'secrets.ts', 'self-update-check.ts', 'self-update-classifier.ts', 'self-update-guardrails.ts', 'self-update.ts', 'settings.ts', 'source.ts',
  'stack-access.ts', 'stack-arns.ts', 'stack-runner.ts', 'stages.ts',
];

/** The TypeScript files under `dir` (relative, POSIX), tests and node_modules aside. */
function sources(dir: string, rel = ''): string[] {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap(entry => {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sources(dir, child);
    return entry.name.endsWith('.ts') ? [child] : [];
  });
}

/** Each file's relative imports (static `import`/`export ... from`), resolved to files of `dir`. */
function importGraph(dir: string): Map<string, string[]> {
  const files = sources(dir);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = fs.readFileSync(path.join(dir, file), 'utf-8');
    const targets = [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']*)';/gms)].map(m => {
      const base = path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1]));
      const found = [`${base}.ts`, `${base}/index.ts`].find(candidate => files.includes(candidate));
      if (!found) throw new Error(`${file} imports ${m[1]}, which is no file of ${dir}`);
      return found;
    });
    graph.set(file, targets);
  }
  return graph;
}

/** Every import cycle of `graph`, each as the files around it (empty when the imports are layered). */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

describe('the shipped program is a house a newcomer can walk (issue 22)', () => {
  test('the import graph reader sees a cycle when there is one (so "none" below means none)', () => {
    const dir = tempDir('cycle');
    fs.writeFileSync(path.join(dir, 'a.ts'), "import { b } from './b';\nexport const a = b;\n");
    fs.writeFileSync(path.join(dir, 'b.ts'), "export { a as b } from './a';\n");
    expect(cycles(importGraph(dir))).toEqual([['a.ts', 'b.ts', 'a.ts']]);
  });

  test.each([['program/infra'], ['src']])('no import cycle in %s', dir => {
    const graph = importGraph(path.join(REPO_ROOT, dir));
    expect(graph.size).toBeGreaterThan(10);
    expect(cycles(graph)).toEqual([]);
  });

  test('the parts never import an opt-in feature or the guardrails; nothing but tests imports the guardrails', () => {
    const graph = importGraph(PROGRAM_SOURCE_DIR);
    for (const [file, targets] of graph) {
      if (file.startsWith('parts/')) {
        expect({ file, imports: targets.filter(t => t.startsWith('features/') || t.startsWith('guardrails/')) }).toEqual({ file, imports: [] });
      }
      if (!file.startsWith('guardrails/') && !file.endsWith('.test.ts')) {
        expect({ file, imports: targets.filter(t => t.startsWith('guardrails/')) }).toEqual({ file, imports: [] });
      }
    }
  });

  test('folders by concern, each opening with a comment that says what it holds', () => {
    const folders = [...new Set(PROGRAM_FILES.filter(f => f.includes('/')).map(f => path.posix.dirname(f)))].sort();
    expect(folders).toEqual(['features', 'features/release-gates', 'features/self-update', 'features/shared-resources', 'features/supply-chain', 'guardrails', 'parts']);
    for (const folder of folders) {
      expect({ folder, index: PROGRAM_FILES.includes(`${folder}/index.ts`) }).toEqual({ folder, index: true });
      const opening = fs.readFileSync(path.join(PROGRAM_SOURCE_DIR, folder, 'index.ts'), 'utf-8').split('\n')[0];
      expect({ folder, opening }).toEqual({ folder, opening: expect.stringMatching(/^\/\*\*/) });
    }
    // The root holds the entry, the component, its settings contract and naming scope, and the consumer's guardrail test.
    expect(PROGRAM_FILES.filter(f => !f.includes('/'))).toEqual(['index.ts', 'pipeline.test.ts', 'pipeline.ts', 'scope.ts', 'settings.ts']);
  });

  test('no file of the program is much over 300 lines', () => {
    for (const file of PROGRAM_FILES) {
      const lines = fs.readFileSync(path.join(PROGRAM_SOURCE_DIR, file), 'utf-8').split('\n').length;
      expect({ file, fits: lines <= 320 }).toEqual({ file, fits: true });
    }
  });
});

/** The `@pulumi/aws` modules a file imports (`@pulumi/aws` itself, or `@pulumi/aws/<submodule>`), by static import. */
function awsImports(text: string): string[] {
  return [...text.matchAll(/^import\s[^;]*?from\s+'(@pulumi\/aws(?:\/[^']*)?)';/gms)].map(m => m[1]);
}

describe('the program loads only the @pulumi/aws submodules it uses (issue 25)', () => {
  // `@pulumi/aws`'s index loads every service's index (237): 0.34 s of a guardrail run's profile with selfUpdate
  // (0.08 s with the submodules), and 3,301 files for `infra:typecheck` to parse (~900) (README, "What CI costs").
  test('the import reader sees a whole-package import when there is one (so "none" below means none)', () => {
    expect(awsImports("import * as aws from '@pulumi/aws';\nimport * as iam from '@pulumi/aws/iam';\nimport type * as types from '@pulumi/aws/types';"))
      .toEqual(['@pulumi/aws', '@pulumi/aws/iam', '@pulumi/aws/types']);
  });

  test('no program file imports @pulumi/aws whole, and each submodule it imports exists in the pinned @pulumi/aws', () => {
    const root = path.dirname(require.resolve('@pulumi/aws/package.json'));
    const imports = PROGRAM_FILES.flatMap(file => awsImports(fs.readFileSync(path.join(PROGRAM_SOURCE_DIR, file), 'utf-8')).map(module => ({ file, module })));
    expect(imports.length).toBeGreaterThan(10);
    expect(imports.filter(i => i.module === '@pulumi/aws')).toEqual([]);
    for (const { file, module } of imports) {
      const rel = module.slice('@pulumi/aws/'.length);
      const exists = fs.existsSync(path.join(root, rel, 'index.d.ts')) || fs.existsSync(path.join(root, `${rel}.d.ts`));
      expect({ file, module, exists }).toEqual({ file, module, exists: true });
    }
  });
});

describe('a consumer in the flat layout moves to the folders on its next synth', () => {
  const MARKER_LINE = '// ~~ Generated by projen. To modify, edit .projenrc.ts and run "npx projen".';
  let dir: string;
  const userFiles: Record<string, string> = {
    'infra/Pulumi.dev.yaml': 'config:\n  web-app:environmentSuffix: dev\n  web-app:dbPassword:\n    secure: AAABAKh3c2VjcmV0\n',
    // A team's own file beside the program: not in files.json, so projen must leave it.
    'infra/our-extra-check.ts': 'export const OURS = true;\n',
  };

  beforeAll(() => {
    dir = tempDir('flat-consumer');
    // What the previous release left: its flat program files and a files.json that lists them.
    fs.mkdirSync(path.join(dir, 'infra'));
    fs.mkdirSync(path.join(dir, '.projen'));
    for (const file of FLAT_LAYOUT) fs.writeFileSync(path.join(dir, 'infra', file), `${MARKER_LINE}\nexport {};\n`);
    for (const [file, text] of Object.entries(userFiles)) fs.writeFileSync(path.join(dir, file), text);
    fs.writeFileSync(path.join(dir, '.projen/files.json'), JSON.stringify({
      files: ['.projen/files.json', 'infra/tsconfig.json', ...FLAT_LAYOUT.map(f => `infra/${f}`)],
    }));
    process.env.PROJEN_DISABLE_POST = 'true';
    try {
      new CicdPipelineProject({ name: 'web-app', defaultReleaseBranch: 'main', outdir: dir, githubRepository: 'acme/web-app' }).synth();
    } finally {
      delete process.env.PROJEN_DISABLE_POST;
    }
  });

  test('every old flat path the program no longer has is deleted, and files.json lists the new ones', () => {
    const stale = FLAT_LAYOUT.filter(file => !PROGRAM_FILES.includes(file));
    expect(stale.length).toBeGreaterThan(20);
    for (const file of stale) expect({ file, exists: fs.existsSync(path.join(dir, 'infra', file)) }).toEqual({ file, exists: false });
    const tracked: string[] = JSON.parse(fs.readFileSync(path.join(dir, '.projen/files.json'), 'utf-8')).files;
    for (const file of PROGRAM_FILES) expect(tracked).toContain(`infra/${file}`);
    for (const file of stale) expect(tracked).not.toContain(`infra/${file}`);
  });

  test('every program file is written at its new path, verbatim', () => {
    expect(sources(path.join(dir, 'infra')).filter(f => f !== 'our-extra-check.ts').sort()).toEqual([...PROGRAM_FILES].sort());
    for (const file of PROGRAM_FILES) {
      const source = fs.readFileSync(path.join(PROGRAM_SOURCE_DIR, file), 'utf-8');
      expect(fs.readFileSync(path.join(dir, 'infra', file), 'utf-8')).toBe(`${MARKER_LINE}\n${source}`);
    }
  });

  test('the team\'s own files are byte-identical', () => {
    for (const [file, text] of Object.entries(userFiles)) expect(fs.readFileSync(path.join(dir, file), 'utf-8')).toBe(text);
  });

  test('the consumer\'s jest finds the guardrail test, and its infra tsconfig takes in every folder', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf-8'));
    expect(pkg.jest.testMatch).toContain('<rootDir>/infra/**/*.test.ts');
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'infra/tsconfig.json'), 'utf-8')).include).toEqual(['./**/*.ts']);
  });
});
