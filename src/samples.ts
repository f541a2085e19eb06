import { deployBuildspecPath } from './deploy-buildspec';
import { DeployStageModel } from './deploy-stages';
import { RECOMMENDED_NODE_MAJOR } from './node-support';

/**
 * Files a new repository starts with. They are written once (projen
 * `SampleFile`) and belong to the team afterwards.
 */
export function sampleFiles(): Record<string, string> {
  return {
    'Dockerfile': [
      '# The image the pipeline builds and pushes to ECR, tagged with the commit SHA.',
      '# Build stage: production dependencies plus the compiler only (the Pulumi program, jest and eslint',
      '# are devDependencies of the repository, not of the image), at the versions package-lock.json pins.',
      `FROM public.ecr.aws/docker/library/node:${RECOMMENDED_NODE_MAJOR}-alpine AS build`,
      'WORKDIR /app',
      'COPY package.json package-lock.json ./',
      'RUN npm ci --omit=dev --ignore-scripts \\',
      '  && npm install --no-save --ignore-scripts $(node -p "[\'typescript\', \'@types/node\'].map(p => p + \'@\' + require(\'./package-lock.json\').packages[\'node_modules/\' + p].version).join(\' \')")',
      'COPY tsconfig.json ./',
      'COPY src ./src',
      'RUN npx tsc -p tsconfig.json',
      '',
      '# Runtime stage: the compiled application and its production dependencies, run as a non-root user.',
      `FROM public.ecr.aws/docker/library/node:${RECOMMENDED_NODE_MAJOR}-alpine`,
      'WORKDIR /app',
      'ENV NODE_ENV=production PORT=8080',
      'COPY package.json package-lock.json ./',
      'RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force',
      'COPY --from=build /app/lib ./lib',
      'USER node',
      'EXPOSE 8080',
      'CMD ["node", "lib/index.js"]',
      '',
    ].join('\n'),
    '.dockerignore': ['node_modules', 'lib', 'coverage', 'test-reports', 'infra', '.git', ''].join('\n'),
    'src/greeting.ts': [
      '/** The reply of the sample service. */',
      'export function greeting(name?: string): string {',
      "  return `Hello, ${name && name.trim() ? name.trim() : 'world'}!`;",
      '}',
      '',
    ].join('\n'),
    'src/index.ts': [
      "import { createServer } from 'http';",
      "import { greeting } from './greeting';",
      '',
      'const port = Number(process.env.PORT ?? 8080);',
      '',
      'if (require.main === module) {',
      '  createServer((req, res) => {',
      "    const name = new URL(req.url ?? '/', 'http://localhost').searchParams.get('name') ?? undefined;",
      "    res.writeHead(200, { 'content-type': 'text/plain' });",
      '    res.end(`${greeting(name)}\\n`);',
      '  }).listen(port);',
      '}',
      '',
    ].join('\n'),
    'test/greeting.test.ts': [
      "import { greeting } from '../src/greeting';",
      '',
      "test('greets by name, or the world', () => {",
      "  expect(greeting('Ada')).toBe('Hello, Ada!');",
      "  expect(greeting('  ')).toBe('Hello, world!');",
      '});',
      '',
    ].join('\n'),
  };
}

/** The diagram's deploy stages after Build: an approval (a decision) before a stage that has one. */
function stageDiagram(stages: readonly DeployStageModel[]): string {
  return stages.map((stage, i) => {
    const previous = i === 0 ? 'build' : `stage${i - 1}`;
    const approval = stage.manualApproval ? ` --> approve${i}{"approve ${stage.name}"}` : '';
    return `\n    ${previous}${approval} --> stage${i}["deploy: ${stage.name}"]`;
  }).join('');
}

/** The README's section on deploy stages: a table of the configured ones, or how to add them. */
function stagesSection(stages: readonly DeployStageModel[], projenrc: string): string {
  if (stages.length === 0) {
    return `## Deploy stages

There are no deploy stages yet: the pipeline ends when the image is pushed. Add them in \`${projenrc}\` (\`stages=[DeployStageProps(...)]\`
in Python) and run \`npx projen\`:

\`\`\`ts
pipeline: {
  stages: [
    { name: 'dev', commands: ['./scripts/deploy.sh dev'] },
    { name: 'prod', commands: ['./scripts/deploy.sh prod'], manualApproval: { emails: ['release@example.com'] },
      assumeRoleArn: 'arn:aws:iam::111122223333:role/deployer', rollbackOnFailure: true },
  ],
},
\`\`\`

Each stage deploys the image the Build stage pushed, never rebuilding it (see API.md, \`DeployStageProps\`).
`;
  }
  const cell = (value: string | undefined) => (value === undefined ? '—' : `\`${value}\``);
  const rows = stages.map(stage => {
    const approval = stage.manualApproval
      ? `yes: the topic's subscribers${stage.manualApproval.emails.length > 0 ? ` and ${stage.manualApproval.emails.join(', ')}` : ''}`
      : 'no';
    return `| \`${stage.name}\` | ${approval} | ${cell(stage.assumeRoleArn)} | ${stage.rollbackOnFailure ? 'yes' : 'no'} | \`${deployBuildspecPath(stage.name)}\` |`;
  });
  return `## Deploy stages

After Build, the pipeline deploys the image it built, never rebuilding it, through these stages in order:

| stage | manual approval | role assumed | rolls back on failure | buildspec (managed) |
| --- | --- | --- | --- | --- |
${rows.join('\n')}

Each stage runs its \`commands\` in its own CodeBuild project, which is not privileged (it cannot build images), with
\`IMAGE_URI\`, \`IMAGE_TAG\` and \`IMAGE_DIGEST\` of the execution's image, the repository at the built commit, and the
build's \`imagedefinitions.json\` and \`imageDetail.json\` in \`$CODEBUILD_SRC_DIR_image\`. Its role may write the stage's
logs, read the pipeline's artifacts, read the stage's \`secrets\` (by ARN) and assume its target role, nothing else; a
target role must trust the stage's role (\`<name>-<env>-deploy-<stage>\`). An approval request is published to the
notification topic: the e-mail shows the commit and the image digest and links to the commit; approve or reject it in
the CodePipeline console (it is rejected after seven days). A stage that rolls back on failure runs again with its last
successful execution's image; a rejected approval is a failure too. While stages exist, executions run QUEUED (unless
\`executionMode\` says otherwise): every commit is deployed in order and a newer one never skips an approval.
`;
}

/** The README of a new repository (written once). */
export function consumerReadme(name: string, projenrcPython = false, pulumiProject = name, stages: readonly DeployStageModel[] = []): string {
  const projenrc = projenrcPython ? '.projenrc.py' : '.projenrc.ts';
  const python = projenrcPython ? `
## Python set-up

This repository is configured from \`.projenrc.py\`, which \`npx projen\` runs with \`python\`. What it imports
(\`projen\` and \`cicd-pipeline-type\`) is pinned in the managed \`requirements-dev.txt\`, at the versions
\`package.json\` resolved to. Create the virtual environment once and activate it before any \`npx projen\` command:

\`\`\`sh
python3 -m venv .venv && . .venv/bin/activate
pip install -r requirements-dev.txt
\`\`\`

The CI workflows set up Python and install the same file before they build. \`npx projen upgrade\` moves both
packages: it upgrades \`package.json\`, rewrites \`requirements-dev.txt\`, installs it and synthesizes again with
the new Python package (re-run \`pip install -r requirements-dev.txt\` after pulling an upgrade).
` : '';
  return `# ${name}

This repository deploys its own CI/CD pipeline to AWS with Pulumi. The pipeline, \`buildspec.yml\` and
\`tagging-policy.json\` are generated by [cicd-pipeline-type](https://www.npmjs.com/package/cicd-pipeline-type):
change them in \`${projenrc}\` and run \`npx projen\`, never by hand.

\`\`\`mermaid
flowchart LR
  gh[GitHub push to the branch] -->|CodeConnections| src[Source stage]
  subgraph CodePipeline V2
    src --> build[Build stage: CodeBuild]${stageDiagram(stages)}
  end
  build -->|buildx build + push, tag = commit SHA; layer cache on tag buildcache| ecr[(ECR repository)]
  src -. artifacts .-> s3[(S3 artifact bucket, KMS)]
  build -. imagedefinitions.json, imageDetail.json .-> s3
  CodePipeline -->|execution state change| eb[EventBridge rule] --> sns[SNS topic, KMS] --> mail[e-mail]
\`\`\`

## Before the first deploy

1. In \`${projenrc}\`, set \`githubRepository: 'owner/name'\` (your GitHub repository; \`OWNER/REPO\` is a placeholder
   the program refuses to deploy) and, if you have one, \`pipeline: { connectionArn: '...' }\` (\`github_repository\` and \`pipeline=PipelineProps(...)\` in Python). Run \`npx projen\`.
2. Install the [Pulumi CLI](https://www.pulumi.com/docs/install/), log in (\`pulumi login\`), and have AWS
   credentials for the target account.
3. Create the stack: \`cd infra && pulumi stack init dev && pulumi config set aws:region eu-west-1 && cd ..\`.
   \`infra/Pulumi.dev.yaml\` already sets \`${pulumiProject}:environmentSuffix\`; there is no default suffix, so a
   new stack needs \`pulumi config set environmentSuffix <env>\` (or \`ENVIRONMENT_SUFFIX=<env>\`).
4. \`npx projen deploy\` (runs \`pulumi up\` in \`infra/\` for the selected stack).
5. **The one manual step, then deploy again.** A new GitHub connection is created \`PENDING\`, and a pipeline
   created on a pending connection fails its first run (every new pipeline starts one at once) and may never see
   pushes. So there is no pipeline until the connection is authorized: the first deploy creates the connection and
   everything else, and its \`nextStep\` output says what to do. Open the AWS console → Developer Tools → Settings
   → Connections, choose the connection named in the \`connectionArn\` output and *Update pending connection*.
   Then run \`npx projen deploy\` again: it sees the connection \`AVAILABLE\` (the \`connectionStatus\` output)
   and creates the pipeline, whose first run builds the branch. With an authorized \`connectionArn\` in
   \`${projenrc}\`, the first deploy creates the pipeline at once.

## What the program creates, and in which order

One KMS key (artifacts, images, logs, notifications); the GitHub connection (unless \`connectionArn\` is set);
the artifact bucket with its versioning, encryption, public access block, ownership controls, lifecycle rules
(artifacts expire after \`artifacts.expiryDays\`, old versions after \`noncurrentVersionExpiryDays\`) and
TLS-only policy; the ECR repository and its lifecycle policy; the build log group; one IAM role per service
(CodeBuild, CodePipeline) with a customer-managed policy scoped to exact ARNs; the CodeBuild project; the SNS
topic, its policy, the EventBridge rule and target, and the e-mail subscriptions; for each deploy stage, its log
group, role and CodeBuild project; and, once the connection is authorized, the pipeline. Where Pulumi cannot infer
the order from inputs it is explicit: the bucket's configuration is applied one step at a time (S3 rejects
concurrent changes), the build and deploy projects wait for their role policies, the rule's target waits for the topic policy, and the pipeline waits for its role policy, the
whole bucket configuration and the notification rule and target, so that its automatic first run is reported.
Every resource carries the tags of \`tagging-policy.json\` (with \`Environment\` = the stack's suffix).

The build exports \`IMAGE_TAG\`, \`IMAGE_URI\` and \`IMAGE_DIGEST\` under the \`BuildVariables\` namespace (a
later action reads \`#{BuildVariables.IMAGE_URI}\`) and hands on \`imagedefinitions.json\` (for the standard ECS
deploy action; the container name is \`codeBuild.containerName\`, by default the pipeline name) and
\`imageDetail.json\` (for ECS blue/green).

${stagesSection(stages, projenrc)}
## Tearing down an environment

\`npx projen destroy\` runs \`pulumi destroy\` for the selected stack. What happens to the stateful resources
depends on the environment's lifecycle (the \`environmentLifecycle\` stack output):

- **long-lived**: an environment listed in \`environments\` (it has an \`infra/Pulumi.<env>.yaml\`). Destroy
  removes the KMS key, the artifact bucket (with its configuration) and the ECR repository from the stack but
  leaves them in AWS, so no artifact or image is lost and all stay readable. Delete them by hand when you are
  sure, or make the environment ephemeral first (below) and deploy before you destroy.
  \`artifacts: { forceDestroy: true }\` lets destroy empty and delete the bucket even here.
- **ephemeral**: any other suffix, e.g. a per-pull-request stack deployed with \`ENVIRONMENT_SUFFIX=pr123\`, and a
  listed environment named in \`ephemeralEnvironments\`. Destroy empties and deletes the bucket (every version)
  and the repository (every image) and schedules the key's deletion after 7 days, the shortest wait AWS allows.

A retained bucket or repository keeps its name: deploying the same environment again fails on the name until
the old one is deleted or imported (\`pulumi import\`).

## Tasks

| task | what it does |
| --- | --- |
| \`npx projen build\` | compile, type-check \`infra/\`, run the tests (including the pipeline guardrails) |
| \`npx projen preview\` | \`pulumi preview\` for the selected stack |
| \`npx projen deploy\` | \`pulumi up\` for the selected stack |
| \`npx projen destroy\` | \`pulumi destroy\` for the selected stack (see "Tearing down an environment") |
| \`npx projen upgrade\` | move cicd-pipeline-type and projen to their newest compatible release, then resynthesize |
| \`npx projen upgrade:pipeline-type\` | the same across a new major version |

\`preview\`, \`deploy\` and \`destroy\` need the [Pulumi CLI](https://www.pulumi.com/docs/iac/download-install/); without it they
stop at once and say so.

## CI

\`.github/workflows/build.yml\` runs \`npx projen build\` on every pull request (with \`CI=true\`). A build that changes
files fails: a managed file edited by hand is regenerated by the build, the step *Explain changed managed files*
names it, and *Fail build on mutation* fails the check (for a branch of this repository, projen's *self-mutation*
job pushes the regenerated files back). Change \`${projenrc}\` instead and run \`npx projen\`.
\`.github/workflows/upgrade.yml\` runs \`npx projen upgrade\` every day and opens a pull request when a new
release of cicd-pipeline-type (or another dependency) is out.

This is an application, not a library: there is no release workflow and nothing is published to npm.

## Fleet: the pipeline keeps itself current

Without \`selfUpdate\`, the pipeline in AWS changes only when someone runs \`npx projen deploy\`. With it, a merged
\`npx projen upgrade\` pull request reaches the pipeline by itself, and a daily drift check reports changes made by hand.

**One-time bootstrap** (per repository and environment; the stack is named after the environment):

1. A state backend the platform team owns: an S3 bucket (versioned, public access blocked, encrypted with SSE-S3 or
   with the KMS key below) and a customer managed KMS key for the stacks' secrets; or Pulumi Cloud, with an access
   token stored in AWS Secrets Manager (\`aws secretsmanager create-secret --name pulumi/ci-token --secret-string <token>\`,
   encrypted with the default \`aws/secretsmanager\` key). A token never goes into \`${projenrc}\`.
2. In \`${projenrc}\`, set \`pipeline: { selfUpdate: { backendUrl: 's3://acme-pulumi-state/pipelines', secretsProvider:
   'awskms://alias/pulumi-state?region=eu-west-1' } }\` (or \`backendUrl: 'https://api.pulumi.com', accessTokenSecretArn:
   'arn:aws:secretsmanager:...'\`; \`pipeline=PipelineProps(self_update=SelfUpdateProps(backend_url=..., secrets_provider=...))\`
   in Python) and run \`npx projen\`: \`infra/Pulumi.yaml\` then names the backend for everyone.
3. Create the stack on that backend, named after its environment, and commit its stack file (it records the secrets
   provider): \`cd infra && pulumi login <backendUrl> && pulumi stack init dev --secrets-provider "<secretsProvider>" && cd ..\`.
4. \`npx projen deploy\` once, with your own credentials. It creates the permissions boundary every role carries, the
   update and drift-check projects with their roles, and adds the update stage to the pipeline.

**When an upgrade pull request merges:** the pipeline runs Source, then *UpdatePipeline*: CodeBuild installs the Pulumi
CLI of exactly the pinned SDK and runs \`pulumi up\` on this stack with the new program. If that changed the pipeline's
definition, CodePipeline cancels the running execution (a pipeline edit does not rerun it), so the update stage starts a
fresh execution (restart), which finds nothing left to change and goes on to Build. An update that changes nothing never
restarts anything. The update role may change only this stack's resources and may create or change a role only with the
boundary, which no commit can change: resource policies (the key's, the bucket's, the topic's), who may assume a role,
the boundary itself and deleting or replacing resources stay a person's \`npx projen deploy\`.

**Drift:** on the schedule (\`driftSchedule\`, daily by default) a read-only project runs
\`pulumi preview --refresh --expect-no-changes\` on the stack. If a resource no longer matches the program, the check
fails and the notification topic sends "Drift check FAILED for stack ...", with a link to the build log (which also says
when the check itself could not run). Run it on demand with \`aws codebuild start-build --project-name
<name>-<env>-drift\` (the \`driftCheckProject\` stack output).

**To turn it off:** \`driftSchedule: 'off'\` keeps the self-update and stops the schedule (the check still runs on
demand); removing \`selfUpdate\` and running \`npx projen deploy\` yourself removes the update stage, the drift check and
the boundary.

**Which version runs where:** the pipeline and its build projects carry the tag \`cicd-pipeline-type:version\`. For an
account and region, this lists every pipeline with the version of cicd-pipeline-type that rendered it:

\`\`\`sh
aws resourcegroupstaggingapi get-resources --resource-type-filters codepipeline:pipeline --tag-filters Key=cicd-pipeline-type:version \\
  --query 'ResourceTagMappingList[].[ResourceARN, Tags[?Key==\`cicd-pipeline-type:version\`] | [0].Value]' --output table
\`\`\`

## The Pulumi project

\`infra/Pulumi.yaml\` names the Pulumi project \`${pulumiProject}\` (the \`name\` in \`package.json\`). A stack's identity on a
backend is \`<org>/<project>/<stack>\` (Pulumi Cloud) or \`<project>/<stack>\` (S3 and file backends), so every repository
sharing a backend must have its own project name; the program refuses to run a stack of another project.

Renaming it orphans every deployed stack, so it is a deliberate step: set \`pulumiProject: 'old-name'\` in
\`${projenrc}\` to keep the old name, or move each stack first — \`pulumi stack rename <org>/<new-name>/<stack>\`
(Pulumi Cloud) or \`pulumi stack rename <new-name>/<stack>\` (S3 and file backends) in \`infra/\`, then rename the
\`<project>:\` prefix of the keys in \`infra/Pulumi.<stack>.yaml\`, then change the name and run \`npx projen\`.

## What is whose

- Managed (read-only, regenerated by \`npx projen\`): \`infra/Pulumi.yaml\`, \`infra/*.ts\`,
  \`infra/pipeline-settings.json\`, \`infra/tsconfig.json\`, \`buildspec.yml\`, \`deploy/<stage>.buildspec.yml\` (one per
  deploy stage), \`tagging-policy.json\`.
- Yours (written once, never overwritten): \`infra/Pulumi.<env>.yaml\`, \`Dockerfile\`, \`src/\`, \`test/\`, this README,
  and whatever your stages' \`commands\` run (e.g. \`scripts/deploy.sh\`).
  Keep secrets in Pulumi config (\`pulumi config set --secret\`), never in \`${projenrc}\`. The build and the deploy
  stages read theirs from Secrets Manager or Parameter Store: give the ARNs in \`codeBuild.secrets\` or a stage's
  \`secrets\`, and the buildspecs reference them, never their values.
${python}`;
}
