import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { settingsFor, tempDir } from './helpers';
import { TYPES, one } from '../program/infra/guardrails';
import { MOCK_ACCOUNT, MOCK_REGION, RegisteredResource, runUnderMocks } from '../program/infra/guardrails/mock-run';
import { renderBuildspec } from '../src/buildspec';
import { renderDeployBuildspec } from '../src/deploy-buildspec';
import { resolvePipeline } from '../src/pipeline-model';
import { PipelineProps } from '../src/pipeline-props';
import { PipelineConfigError } from '../src/validation';

/**
 * Issue 19: a layer cache that survives between builds (BuildKit's registry
 * cache in the stack's ECR repository), Arm builds, and Lambda compute for
 * deploy stages. On the rendered buildspecs run by bash with fake `docker` and
 * `aws`, and on what the mocked engine registered.
 */

const DEFAULTS: PipelineProps = { repository: 'acme/web-app' };
const REPOSITORY_URI = `${MOCK_ACCOUNT}.dkr.ecr.${MOCK_REGION}.amazonaws.com/web-app-dev`;
const IMAGE = `${REPOSITORY_URI}:4f2a9c1`;
const CACHE = `${REPOSITORY_URI}:buildcache`;

interface FakeWorld {
  /** The image tag is in ECR already. */
  readonly imageExists: boolean;
  /** `docker buildx create --bootstrap` fails (BuildKit's image cannot be pulled). */
  readonly builderFails?: boolean;
  /** The build image has no buildx plugin (standard:6.0, amazonlinux2-x86_64-standard:4.0). */
  readonly noBuildx?: boolean;
}

/**
 * Runs the build's phases in one bash, as CodeBuild runs a version 0.2
 * buildspec, with `docker` and `aws` replaced by scripts that record each call
 * (one line of NUL-separated arguments) and answer as ECR would.
 */
function runBuild(props: PipelineProps, world: FakeWorld): { docker: string[][]; stdout: string } {
  const spec = YAML.parse(YAML.stringify(renderBuildspec(resolvePipeline(props))));
  const dir = tempDir('economy-build');
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  const log = path.join(dir, 'docker.log');
  fs.writeFileSync(path.join(bin, 'aws'), [
    '#!/bin/bash',
    'case "$*" in',
    '  *get-login-password*) echo password ;;',
    '  *--query*) echo sha256:0123456789abcdef ;;',
    `  *describe-images*) exit ${world.imageExists ? 0 : 1} ;;`,
    'esac',
  ].join('\n'), { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'docker'), [
    '#!/bin/bash',
    `printf '%s\\0' "$@" >> ${log}; echo >> ${log}`,
    'cat >/dev/null 2>&1 || true',
    `if [ "$1" = "buildx" ] && ${world.noBuildx ? 'true' : 'false'}; then exit 1; fi`,
    `if [ "$1 $2" = "buildx create" ]; then exit ${world.builderFails ? 1 : 0}; fi`,
  ].join('\n'), { mode: 0o755 });
  const quote = (value: string) => `'${value.replace(/'/g, '\'\\\'\'')}'`;
  const script = [
    'set -e',
    ...Object.entries<string>(spec.env.variables).map(([k, v]) => `export ${k}=${quote(v)}`),
    ...['pre_build', 'build', 'post_build'].flatMap(phase => spec.phases[phase].commands),
  ].join('\n');
  const result = spawnSync('bash', ['--noprofile', '--norc', '-c', script], {
    cwd: dir,
    encoding: 'utf-8',
    env: {
      PATH: `${bin}:${process.env.PATH}`,
      CODEBUILD_RESOLVED_SOURCE_VERSION: '4f2a9c1',
      REPOSITORY_URI,
      REPOSITORY_NAME: 'web-app-dev',
      AWS_DEFAULT_REGION: MOCK_REGION,
    },
  });
  expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  const lines = fs.existsSync(log) ? fs.readFileSync(log, 'utf-8').split('\n').filter(l => l.length > 0) : [];
  return { docker: lines.map(line => line.split('\0').filter(a => a.length > 0)), stdout: result.stdout };
}

const buildxBuild = (calls: string[][]) => calls.filter(c => c[0] === 'buildx' && c[1] === 'build');

describe('the build keeps its layer cache in ECR (buildspec run by bash, fake docker and aws)', () => {
  test('a new commit is built with buildx, reading and refreshing the registry cache on the cache tag, and pushed', () => {
    const { docker } = runBuild(DEFAULTS, { imageExists: false });
    expect(docker.filter(c => c[0] === 'buildx' && c[1] === 'create')).toEqual([
      ['buildx', 'create', '--name', 'pipeline-cache', '--driver', 'docker-container', '--bootstrap', '--use'],
    ]);
    expect(buildxBuild(docker)).toEqual([[
      'buildx', 'build', '--file', 'Dockerfile', '--tag', IMAGE, '--provenance=false',
      '--cache-from', `type=registry,ref=${CACHE}`,
      '--cache-to', `type=registry,ref=${CACHE},mode=max,image-manifest=true,oci-mediatypes=true`,
      '--push', '.',
    ]]);
    // The push is the build's (--push): no separate `docker push` of an image the builder did not load.
    expect(docker.filter(c => c[0] === 'push')).toEqual([]);
  });

  test('an image that exists for the commit is not rebuilt: no builder, no build, no cache write', () => {
    const { docker, stdout } = runBuild(DEFAULTS, { imageExists: true });
    expect(stdout).toContain(`${IMAGE} exists; not rebuilding`);
    expect(docker.map(c => c[0])).toEqual(['login']);
  });

  test('without a BuildKit container builder the build still runs on the default builder, saying it cannot refresh the cache', () => {
    const { docker, stdout } = runBuild(DEFAULTS, { imageExists: false, builderFails: true });
    expect(stdout).toContain('cannot refresh the registry cache');
    // The builder that failed to boot is removed and the default one selected, so the build does not use it.
    expect(docker.filter(c => c[0] === 'buildx' && ['rm', 'use'].includes(c[1]))).toEqual([['buildx', 'rm', 'pipeline-cache'], ['buildx', 'use', 'default']]);
    expect(buildxBuild(docker)).toEqual([[
      'buildx', 'build', '--file', 'Dockerfile', '--tag', IMAGE, '--provenance=false', '--cache-from', `type=registry,ref=${CACHE}`, '--push', '.',
    ]]);
  });

  test('a build image without buildx builds and pushes with plain docker, as before the cache', () => {
    const { docker, stdout } = runBuild({ ...DEFAULTS, codeBuild: { dockerfile: 'docker/Dockerfile', context: 'app' } }, { imageExists: false, noBuildx: true });
    expect(stdout).toContain('no docker buildx');
    expect(docker.filter(c => c[0] !== 'buildx' && c[0] !== 'login')).toEqual([
      ['build', '--file', 'docker/Dockerfile', '--tag', IMAGE, 'app'],
      ['push', IMAGE],
    ]);
  });

  test('the Dockerfile and context options reach the buildx build', () => {
    const { docker } = runBuild({ ...DEFAULTS, codeBuild: { dockerfile: 'docker/Dockerfile', context: 'app' } }, { imageExists: false });
    const build = buildxBuild(docker)[0];
    expect(build.slice(2, 4)).toEqual(['--file', 'docker/Dockerfile']);
    expect(build[build.length - 1]).toBe('app');
  });
});

describe('the repository: release tags immutable, the cache tag excluded, the lifecycle sparing the cache', () => {
  let resources: RegisteredResource[];
  beforeAll(async () => {
    resources = await runUnderMocks(settingsFor(DEFAULTS), 'dev');
  });

  test('an upgrade updates the repository in place: same logical name, and only its tag mutability inputs change', () => {
    const repository = one(resources, TYPES.repository);
    expect(repository.urn).toBe('urn:pulumi:guardrails::web-app::cicd-pipeline-type:index:CicdPipeline$aws:ecr/repository:Repository::images');
    // The inputs the previous release registered (IMMUTABLE tags). ECR changes tag mutability with
    // PutImageTagMutability and CloudFormation documents ImageTagMutabilityExclusionFilters as "Update requires:
    // No interruption"; the name and the encryption, which would replace the repository, are unchanged.
    const previous = {
      name: 'web-app-dev',
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfigurations: repository.inputs.encryptionConfigurations,
      forceDelete: false,
      tags: repository.inputs.tags,
    };
    const changed = Object.keys({ ...previous, ...repository.inputs })
      .filter(key => JSON.stringify((previous as Record<string, unknown>)[key]) !== JSON.stringify(repository.inputs[key]));
    expect(changed.sort()).toEqual(['imageTagMutability', 'imageTagMutabilityExclusionFilters']);
    expect(repository.inputs.encryptionConfigurations).toEqual([{ encryptionType: 'KMS', kmsKey: expect.stringContaining(':key/') }]);
  });

  test('the cache tag is the one mutable tag; the lifecycle keeps it and keepImages release images', () => {
    const inputs = one(resources, TYPES.repository).inputs;
    expect(inputs.imageTagMutability).toBe('IMMUTABLE_WITH_EXCLUSION');
    expect(inputs.imageTagMutabilityExclusionFilters).toEqual([{ filterType: 'WILDCARD', filter: 'buildcache' }]);
    const rules = JSON.parse(one(resources, TYPES.ecrLifecycle).inputs.policy).rules;
    expect(rules.map((r: any) => [r.rulePriority, r.selection])).toEqual([
      [1, { tagStatus: 'tagged', tagPatternList: ['buildcache'], countType: 'imageCountMoreThan', countNumber: 1 }],
      [2, { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 }],
      [3, { tagStatus: 'tagged', tagPatternList: ['*'], countType: 'imageCountMoreThan', countNumber: 31 }],
    ]);
  });
});

/** arm64, a default (Lambda) stage and one on EC2 compute. */
const ARM: PipelineProps = {
  repository: 'acme/web-app',
  environments: ['dev', 'prod'],
  codeBuild: { architecture: 'arm64' as any, timeoutMinutes: 40 },
  stages: [
    { name: 'dev', commands: ['aws ecs update-service --cluster dev --service web --force-new-deployment'] },
    { name: 'prod', commands: ['./scripts/long-migration.sh'], compute: 'BUILD_GENERAL1_SMALL' as any },
  ],
};

describe('codeBuild.architecture and deploy compute, under the mocks', () => {
  test('x86_64 is the default: the build and a default stage run in x86 environments', async () => {
    const resources = await runUnderMocks(settingsFor({ ...DEFAULTS, stages: [{ name: 'dev', commands: ['x'] }] }), 'dev');
    expect(one(resources, TYPES.project, 'build').inputs.environment).toMatchObject({
      type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:7.0', computeType: 'BUILD_GENERAL1_SMALL', privilegedMode: true,
    });
    const dev = one(resources, TYPES.project, 'deploy-dev').inputs;
    expect(dev.environment).toMatchObject({
      type: 'LINUX_LAMBDA_CONTAINER', computeType: 'BUILD_LAMBDA_1GB', image: 'aws/codebuild/amazonlinux-x86_64-lambda-standard:nodejs22', privilegedMode: false,
    });
    expect(dev.buildTimeout).toBeUndefined();
  });

  test('arm64: ARM_CONTAINER on the aarch64 image, the Lambda stage on ARM_LAMBDA_CONTAINER, the EC2 stage on ARM_CONTAINER with the build\'s timeout', async () => {
    const resources = await runUnderMocks(settingsFor(ARM), 'prod');
    expect(one(resources, TYPES.project, 'build').inputs.environment).toMatchObject({
      type: 'ARM_CONTAINER', image: 'aws/codebuild/amazonlinux-aarch64-standard:3.0', privilegedMode: true,
    });
    const dev = one(resources, TYPES.project, 'deploy-dev').inputs;
    expect(dev.environment).toMatchObject({ type: 'ARM_LAMBDA_CONTAINER', image: 'aws/codebuild/amazonlinux-aarch64-lambda-standard:nodejs22' });
    expect([dev.buildTimeout, dev.queuedTimeout]).toEqual([undefined, undefined]);
    const prod = one(resources, TYPES.project, 'deploy-prod').inputs;
    expect(prod.environment).toMatchObject({ type: 'ARM_CONTAINER', computeType: 'BUILD_GENERAL1_SMALL', image: 'aws/codebuild/amazonlinux-aarch64-standard:3.0' });
    expect(prod.buildTimeout).toBe(40);
  });

  test('a Lambda stage\'s buildspec has no on-failure (Lambda compute rejects it); an EC2 stage\'s keeps ABORT', () => {
    const [dev, prod] = resolvePipeline({ ...ARM, stages: [ARM.stages![0], { ...ARM.stages![1], assumeRoleArn: 'arn:aws:iam::444455556666:role/deployer' }] }).stages;
    expect(JSON.stringify(renderDeployBuildspec(dev))).not.toContain('on-failure');
    const prodSpec = renderDeployBuildspec(prod);
    expect([prodSpec.phases.pre_build?.['on-failure'], prodSpec.phases.build['on-failure']]).toEqual(['ABORT', 'ABORT']);
  });

  test('the architecture/image problem is named in the user\'s language (Python: snake_case paths)', () => {
    const props = { repository: 'acme/web-app', codeBuild: { architecture: 'arm64', image: 'aws/codebuild/standard:7.0' } } as any;
    let problems: readonly string[] = [];
    try {
      resolvePipeline(props, { style: 'python', file: '.projenrc.py' });
    } catch (error) {
      if (!(error instanceof PipelineConfigError)) throw error;
      problems = error.problems;
    }
    expect(problems).toEqual([
      'pipeline.code_build.image: "aws/codebuild/standard:7.0" is not an image for pipeline.code_build.architecture "arm64" ' +
      '(CodeBuild runs arm64 builds on "aws/codebuild/amazonlinux-aarch64-standard:3.0")',
    ]);
  });
});
