import { spawnSync } from 'child_process';
import * as fc from 'fast-check';
import { Testing } from 'projen';
import * as YAML from 'yaml';
import { tempDir } from './helpers';
import { renderBuildspec } from '../src/buildspec';
import { CicdPipelineProject } from '../src/cicd-pipeline-project';
import { resolvePipeline } from '../src/pipeline-model';
import { isAmbiguousPlainScalar, toPortableYaml } from '../src/portable-yaml';
/** The Pulumi project of a repository named web-app. */
const PULUMI_PROJECT_NAME = 'web-app';

/**
 * Every string a user supplies must read back as the same string from every
 * generated YAML file, whichever reader CodeBuild, Pulumi or a script uses:
 * YAML 1.2 (the `yaml` package's default, Go's yaml.v3) and YAML 1.1 (PyYAML,
 * SnakeYAML; the `yaml` package with `version: '1.1'`) type unquoted `on`, `yes`,
 * `2024-01-31`, `12:30`, `true`, `null`, `1e3` differently (DESIGN §8).
 */

/** Strings some YAML reader takes for another type, or for YAML syntax, when written without quotes. */
const TRICKY = [
  'on', 'On', 'ON', 'off', 'yes', 'Yes', 'no', 'NO', 'y', 'Y', 'n', 'N', 'true', 'True', 'false', 'FALSE',
  'null', 'Null', 'NULL', '~', '', '2024-01-31', '2024-01-31T12:30:00Z', '2024-1-3', '12:30', '190:20:30', '1:30:00.5',
  '1e3', '1E3', '0x1F', '0o17', '0b101', '012', '1_000', '+1', '-1', '.5', '1.', '-.5e3', '.inf', '-.Inf', '.nan', '.NaN',
  '<<', '=', ' leading', 'trailing ', 'a: b', 'a #b', '# not a comment', '- item', '[x]', '{x: y}', '*alias', '&anchor',
  '!tag x', '%YAML 1.1', '"quoted"', "'single'", '|', '>', '---', '...', '?', '@at', '`tick', 'tab\there', 'multi\nline',
  'trailing newline\n', ' indented\nblock', 'blank line\n \nafter', 'crlf\r\nline', '\u0000nul', 'del\u007f', 'nel\u0085',
  'csi\u009b', 'line\u2028separator', 'para\u2029graph', 'caf\u00e9', '\u{1F680}', 'normal-value', 'C:\\path', 'http://example.com/a?b=c#d',
];

/** Env var names a YAML 1.1 reader turns into booleans or null when they are unquoted keys. */
const TRICKY_KEYS = ['ON', 'OFF', 'YES', 'NO', 'Y', 'N', 'y', 'n', 'on', 'off', 'yes', 'no', 'TRUE', 'FALSE', 'true', 'Null', 'NULL', '_'];

/** Environments (stack names) that a reader would take for booleans or null. */
const TRICKY_ENVIRONMENTS = ['true', 'false', 'null', 'on', 'off', 'yes', 'no', 'y', 'n', 'dev'];

const environmentVariables = {
  ...Object.fromEntries(TRICKY.map((value, i) => [`VALUE_${i}`, value])),
  ...Object.fromEntries(TRICKY_KEYS.map(key => [key, key])),
};
const commands = TRICKY.filter(text => text.trim().length > 0).slice(0, 50);

function synthTricky() {
  const project = new CicdPipelineProject({
    name: 'web-app',
    defaultReleaseBranch: 'main',
    outdir: tempDir('yaml'),
    pipeline: {
      repository: 'acme/web-app',
      environments: TRICKY_ENVIRONMENTS,
      codeBuild: { environmentVariables, preBuildCommands: commands, postBuildCommands: commands, dockerfile: 'on', context: '2024-01-31' },
      // A stage name a YAML 1.1 reader takes for a boolean (written as DEPLOY_STAGE), with the same tricky variables and commands.
      stages: [{ name: 'on', commands, environmentVariables, assumeRoleArn: 'arn:aws:iam::111122223333:role/on' }],
    },
  });
  return Testing.synth(project) as Record<string, string>;
}

/** Any text, with a bias towards what readers mistype. */
const anyText = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.fullUnicodeString({ maxLength: 30 }),
  fc.string16bits({ maxLength: 20 }),
  fc.constantFrom(...TRICKY),
  fc.tuple(fc.constantFrom(...TRICKY), fc.string({ maxLength: 5 })).map(([a, b]) => a + b),
  // Line breaks, blanks and indicators in every order: block scalars, folding and escapes.
  fc.stringOf(fc.constantFrom('\n', ' ', '\t', '\r', 'a', ':', '#', '-', '\u2028', '\u0085', '"', "'", '\\', 'y', '1', '?', '[', '{', ',', '&', '*', '!', '|', '>', '%', '@'), { maxLength: 12 }),
  // Indicators and typed words joined with and without blanks: `a: b`, `x #y`, `on yes`, `e2`.
  fc.tuple(fc.array(fc.constantFrom('on', 'yes', 'e2', 'a: b', 'x #y', '- x', '? x', '[a]', '{a}', '*a', '&a', '!a', '%a', '<<', '~', '.5', ':', '#', ','), { maxLength: 4 }),
    fc.constantFrom('', ' ')).map(([words, glue]) => words.join(glue)),
);

const parse12 = (text: string) => YAML.parse(text);
const parse11 = (text: string) => YAML.parse(text, { version: '1.1' });

describe('generated YAML reads back the same under YAML 1.2 and 1.1', () => {
  const snap = synthTricky();
  const yamlFiles = Object.keys(snap).filter(file => /\.ya?ml$/.test(file) && !file.startsWith('.github/')).sort();

  test('the files under test are buildspec.yml, infra/Pulumi.yaml and one stack file per environment', () => {
    expect(yamlFiles).toEqual(expect.arrayContaining([
      'buildspec.yml', 'deploy/on.buildspec.yml', 'infra/Pulumi.yaml', ...TRICKY_ENVIRONMENTS.map(env => `infra/Pulumi.${env}.yaml`),
    ]));
  });

  test.each(['buildspec.yml', 'deploy/on.buildspec.yml', 'infra/Pulumi.yaml', ...TRICKY_ENVIRONMENTS.map(env => `infra/Pulumi.${env}.yaml`)])(
    '%s: a YAML 1.1 reader gets exactly what a YAML 1.2 reader gets',
    file => {
      expect(parse11(snap[file])).toEqual(parse12(snap[file]));
    },
  );

  test.each([['1.2', parse12], ['1.1', parse11]] as const)('buildspec.yml under YAML %s: every variable and command is the string the user wrote', (_version, parse) => {
    const spec = parse(snap['buildspec.yml']);
    expect(spec.env.variables).toEqual({ ...environmentVariables, DOCKERFILE: 'on', DOCKER_CONTEXT: '2024-01-31', CONTAINER_NAME: 'web-app' });
    expect(spec.phases.pre_build.commands.slice(-commands.length)).toEqual(commands);
    expect(spec.phases.post_build.commands.slice(-commands.length)).toEqual(commands);
    expect(spec.version).toBe('0.2');
  });

  test.each([['1.2', parse12], ['1.1', parse11]] as const)('deploy/on.buildspec.yml under YAML %s: the stage, its variables and commands are the strings the user wrote', (_version, parse) => {
    const spec = parse(snap['deploy/on.buildspec.yml']);
    expect(spec.env.variables).toEqual({ ...environmentVariables, DEPLOY_STAGE: 'on', ASSUME_ROLE_ARN: 'arn:aws:iam::111122223333:role/on' });
    expect(spec.phases.build.commands.slice(-commands.length)).toEqual(commands);
  });

  test.each([['1.2', parse12], ['1.1', parse11]] as const)('stack files under YAML %s: the environment suffix is the environment name, a string', (_version, parse) => {
    for (const env of TRICKY_ENVIRONMENTS) {
      expect(parse(snap[`infra/Pulumi.${env}.yaml`])).toEqual({ config: { [`${PULUMI_PROJECT_NAME}:environmentSuffix`]: env } });
    }
  });

  test('stack files keep their comments: the header, and how to set the region', () => {
    expect(snap['infra/Pulumi.true.yaml']).toBe([
      '# Stack "true". Written once by cicd-pipeline-type: this file is yours and is never overwritten.',
      '# Secrets: pulumi config set --secret <key> <value> (stored encrypted, never in plain text).',
      'config:',
      `  ${PULUMI_PROJECT_NAME}:environmentSuffix: "true"`,
      '  # The region the pipeline is deployed to (or set AWS_REGION):',
      '  # aws:region: eu-west-1',
      '',
    ].join('\n'));
  });

  test.each([['1.2', parse12], ['1.1', parse11]] as const)('infra/Pulumi.yaml under YAML %s: name, main and description are strings', (_version, parse) => {
    const pulumi = parse(snap['infra/Pulumi.yaml']);
    expect(pulumi.name).toBe(PULUMI_PROJECT_NAME);
    expect(pulumi.main).toBe('index.ts');
    expect(pulumi.description).toBe('CI/CD pipeline of acme/web-app (managed by cicd-pipeline-type)');
  });

  const pyyaml = spawnSync('python3', ['-c', 'import yaml'], { encoding: 'utf-8' }).status === 0;
  (pyyaml ? test : test.skip)('PyYAML (a YAML 1.1 reader) reads every file as the yaml package does', () => {
    const script = [
      'import json, sys, yaml',
      'texts = json.load(sys.stdin)',
      'json.dump([yaml.safe_load(t) for t in texts], sys.stdout, default=lambda o: "<%s %s>" % (type(o).__name__, o))',
    ].join('\n');
    const texts = yamlFiles.map(file => snap[file]);
    const result = spawnSync('python3', ['-c', script], { input: JSON.stringify(texts), encoding: 'utf-8' });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual(texts.map(parse12));
  });

  (pyyaml ? test : test.skip)('PyYAML reads 2000 generated strings, as keys and values, back as themselves', () => {
    const samples = fc.sample(fc.tuple(anyText, anyText), { numRuns: 2000, seed: 10 });
    const texts = samples.map(([key, value]) => toPortableYaml({ [key]: value, list: [value] }));
    const script = 'import json, sys, yaml\njson.dump([yaml.safe_load(t) for t in json.load(sys.stdin)], sys.stdout, default=repr)';
    const result = spawnSync('python3', ['-c', script], { input: JSON.stringify(texts), encoding: 'utf-8' });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual(samples.map(([key, value]) => ({ [key]: value, list: [value] })));
  });
});

describe('toPortableYaml', () => {
  test.each(TRICKY.filter(text => !text.includes('\n')))('quotes %j where any reader would mistype it, and reads it back', text => {
    const out = toPortableYaml({ [text]: text });
    expect(parse12(out)).toEqual({ [text]: text });
    expect(parse11(out)).toEqual({ [text]: text });
  });

  test('leaves ordinary strings unquoted, so the files stay readable', () => {
    for (const text of ['bash', 'ABORT', 'npm ci', 'docker/Dockerfile', 'on-failure', 'IMAGE_TAG="${CODEBUILD_RESOLVED_SOURCE_VERSION}"']) {
      expect(isAmbiguousPlainScalar(text)).toBe(false);
    }
    expect(toPortableYaml({ 'shell': 'bash', 'on-failure': 'ABORT' })).toBe('shell: bash\non-failure: ABORT\n');
  });

  test('property: any string, as a key or a value, reads back as itself under YAML 1.2 and 1.1', () => {
    fc.assert(
      fc.property(anyText, anyText, fc.array(anyText, { maxLength: 4 }), (key, value, list) => {
        const data = { [key]: value, list };
        const out = toPortableYaml(data);
        expect(parse12(out)).toEqual(data);
        expect(parse11(out)).toEqual(data);
      }),
      { numRuns: 500 },
    );
  });

  test('the buildspec of a resolved model round-trips through both readers', () => {
    const model = resolvePipeline({ repository: 'acme/app', codeBuild: { environmentVariables: { A: 'on', B: '12:30', C: '2024-01-31' } } });
    const data = JSON.parse(JSON.stringify(renderBuildspec(model)));
    const out = toPortableYaml(data);
    expect(parse12(out)).toEqual(data);
    expect(parse11(out)).toEqual(data);
  });
});
