import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT, tempDir } from '../helpers';
import { commitAll, git, newConsumer, packLibrary, run, runFailing, treeHash } from './harness';

/**
 * Builds a newer release of this library in a temp dir: the current tree with
 * one default changed and one managed file moved, as a real release might.
 */
function packNextRelease(): string {
  const dir = tempDir('next-release');
  for (const file of run(REPO_ROOT, 'git', ['ls-files']).split('\n').filter(Boolean)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.copyFileSync(path.join(REPO_ROOT, file), path.join(dir, file));
  }
  // Uncommitted work counts too: the release is built from this working tree.
  for (const folder of ['src', 'program']) fs.cpSync(path.join(REPO_ROOT, folder), path.join(dir, folder), { recursive: true });
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  const edit = (file: string, from: string, to: string) => {
    const full = path.join(dir, file);
    const text = fs.readFileSync(full, 'utf-8');
    if (!text.includes(from)) throw new Error(`${file} no longer contains ${JSON.stringify(from)}: update this test`);
    fs.writeFileSync(full, text.replace(from, to));
  };
  edit('src/pipeline-model.ts', 'keepImages: (r.keepImages as number | undefined) ?? 30', 'keepImages: (r.keepImages as number | undefined) ?? 45');
  edit('src/pipeline-infrastructure.ts', "options.taggingPolicyPath ?? 'tagging-policy.json'", "options.taggingPolicyPath ?? 'policies/tagging-policy.json'");
  edit('package.json', '"version": "0.0.0"', '"version": "0.0.1"');
  return packLibrary(dir);
}

/** The logical URNs the consumer's program registers under mocks, for its first environment. */
function consumerUrns(dir: string): string[] {
  // Beside the program, so that it compiles with the tsconfig Pulumi uses.
  const script = path.join(dir, 'infra', 'list-urns.ts');
  fs.writeFileSync(script, [
    "import * as path from 'path';",
    "import { runUnderMocks } from './mock-run';",
    "import { loadSettings } from './settings';",
    "const settings = loadSettings(path.join(__dirname, 'pipeline-settings.json'));",
    'runUnderMocks(settings, settings.environment.listed[0]).then(r => console.log(JSON.stringify(r.map(x => x.urn).sort())));',
  ].join('\n'));
  try {
    const out = run(dir, 'npx', ['ts-node', '--transpile-only', '--project', 'infra/tsconfig.json', script]);
    return JSON.parse(out.trim().split('\n').pop()!);
  } finally {
    fs.rmSync(script);
  }
}

const USER_FILES = ['Dockerfile', 'src/greeting.ts', 'src/index.ts', 'infra/Pulumi.dev.yaml', 'README.md'];

describe('upgrading a consumer to a newer release of the type', () => {
  let dir: string;
  let v1: string;
  let v2: string;
  let before: Record<string, Buffer>;
  let urnsBefore: string[];

  beforeAll(() => {
    v1 = packLibrary();
    v2 = packNextRelease();
    dir = newConsumer(v1);

    // The team makes the repo its own: options, a secret in stack config, the image and the app.
    const projenrc = path.join(dir, '.projenrc.ts');
    fs.writeFileSync(projenrc, fs.readFileSync(projenrc, 'utf-8')
      .replace('projenrcTs: true,', "projenrcTs: true,\n  githubRepository: 'acme/shop',\n  pipeline: { repository: 'acme/shop', environments: ['dev', 'prod'] },"));
    run(dir, 'npx', ['projen']);
    fs.appendFileSync(path.join(dir, 'infra/Pulumi.dev.yaml'), '  cicd-pipeline:dbPassword:\n    secure: AAABAKh3c2VjcmV0LXZhbHVlLWVuY3J5cHRlZA==\n');
    fs.appendFileSync(path.join(dir, 'Dockerfile'), 'HEALTHCHECK CMD wget -q -O- localhost:8080 || exit 1\n');
    fs.appendFileSync(path.join(dir, 'src/greeting.ts'), 'export const VERSION = 2;\n');
    commitAll(dir, 'our app');
    before = Object.fromEntries([...USER_FILES, '.projenrc.ts'].map(f => [f, fs.readFileSync(path.join(dir, f))]));
    urnsBefore = consumerUrns(dir);

    // What `npx projen upgrade` does for a registry release (npm-check-updates moves the spec,
    // npm installs, projen synthesizes) — here the spec is a file: tarball, which ncu cannot move.
    fs.writeFileSync(projenrc, fs.readFileSync(projenrc, 'utf-8').split(`file:${v1}`).join(`file:${v2}`));
    run(dir, 'npx', ['projen']); // the old release writes the new spec; projen installs it
    run(dir, 'npx', ['projen']); // the new release synthesizes
  });

  test('the consumer now runs the new release', () => {
    const installed = JSON.parse(fs.readFileSync(path.join(dir, 'node_modules/cicd-pipeline-type/package.json'), 'utf-8'));
    expect(installed.version).toBe('0.0.1');
  });

  test('managed files follow the new release: the changed default, the moved file, and no orphan', () => {
    const settings = JSON.parse(fs.readFileSync(path.join(dir, 'infra/pipeline-settings.json'), 'utf-8'));
    expect(settings.registry.keepImages).toBe(45);
    expect(fs.existsSync(path.join(dir, 'policies/tagging-policy.json'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'tagging-policy.json'))).toBe(false);
    const tracked = JSON.parse(fs.readFileSync(path.join(dir, '.projen/files.json'), 'utf-8')).files;
    expect(tracked).toContain('policies/tagging-policy.json');
    expect(tracked).not.toContain('tagging-policy.json');
    expect(settings.environment.listed).toEqual(['dev', 'prod']);
  });

  test('every user-owned file is byte-identical', () => {
    for (const file of USER_FILES) {
      expect({ file, same: fs.readFileSync(path.join(dir, file)).equals(before[file]) }).toEqual({ file, same: true });
    }
    // .projenrc.ts changed only where the upgrade moved the dependency spec.
    expect(fs.readFileSync(path.join(dir, '.projenrc.ts'), 'utf-8')).toBe(before['.projenrc.ts'].toString('utf-8').split(v1).join(v2));
  });

  test('a second synth changes nothing', () => {
    commitAll(dir, 'upgrade cicd-pipeline-type');
    run(dir, 'npx', ['projen']);
    expect(git(dir, 'status', '--porcelain')).toBe('');
  });

  test('the program registers the same URNs: no stateful resource is replaced', () => {
    expect(consumerUrns(dir)).toEqual(urnsBefore);
    expect(urnsBefore.length).toBeGreaterThanOrEqual(25);
  });
});

describe('a consumer is never left half-written', () => {
  let dir: string;
  beforeAll(() => {
    dir = newConsumer(packLibrary());
    commitAll(dir, 'projen new');
  });

  test('invalid props make `npx projen` fail with the validation message and change no file', () => {
    const projenrc = path.join(dir, '.projenrc.ts');
    const original = fs.readFileSync(projenrc, 'utf-8');
    fs.writeFileSync(projenrc, original.replace('projenrcTs: true,',
      "projenrcTs: true,\n  pipeline: { repository: 'acme', environments: ['x'.repeat(200)], registry: { keepImages: -1 }, tags: { custom: { 'aws:x': 'y' } } },"));
    const hash = treeHash(dir);
    const out = runFailing(dir, 'npx', ['projen']);
    expect(out).toContain('Invalid pipeline configuration in .projenrc.ts (4 problems); nothing was written');
    for (const option of ['pipeline.repository', 'pipeline.environments[0]', 'pipeline.registry.keepImages', 'pipeline.tags.custom.aws:x']) {
      expect(out).toContain(`  - ${option}: `);
    }
    expect(treeHash(dir)).toBe(hash);
    fs.writeFileSync(projenrc, original);
  });

  test('a hand edit to a managed file is restored by the next synth', () => {
    const buildspec = path.join(dir, 'buildspec.yml');
    const original = fs.readFileSync(buildspec, 'utf-8');
    fs.chmodSync(buildspec, 0o644);
    fs.writeFileSync(buildspec, original.replace('docker build', 'echo skipped; docker build'));
    run(dir, 'npx', ['projen']);
    expect(fs.readFileSync(buildspec, 'utf-8')).toBe(original);
    expect(git(dir, 'status', '--porcelain')).toBe('');
  });

  test('CI fails the build when a hand edit was committed, and says to change .projenrc.ts instead', () => {
    const settings = path.join(dir, 'infra/pipeline-settings.json');
    fs.chmodSync(settings, 0o644);
    fs.writeFileSync(settings, fs.readFileSync(settings, 'utf-8').replace('"branch": "main"', '"branch": "hotfix"'));
    commitAll(dir, 'quick fix by hand');
    const out = runFailing(dir, 'npx', ['projen', 'build'], { CI: 'true' });
    expect(out).toContain('infra/pipeline-settings.json');
    expect(out).toContain('change .projenrc.ts and run npx projen instead of editing them');
  });
});
