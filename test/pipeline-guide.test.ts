import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'projen';
import { PROD_ROLE_ARN, PROMOTION_PROPS, SECRET_ARN, SELF_UPDATE_S3, tempDir } from './helpers';
import { Flowchart, parseFlowchart } from './mermaid-flowchart';
import { CicdPipelineProject } from '../src/cicd-pipeline-project';
import { GUIDE_PATH } from '../src/pipeline-guide';
import { PipelineProps } from '../src/pipeline-props';

const REPO = 'acme/web-app';

/** Every configuration the guide is tested with. */
const CONFIGURATIONS: Record<string, PipelineProps | undefined> = {
  default: undefined,
  stages: PROMOTION_PROPS,
  selfUpdate: { repository: REPO, selfUpdate: SELF_UPDATE_S3 },
  both: { ...PROMOTION_PROPS, selfUpdate: SELF_UPDATE_S3 },
  supplyChain: { ...PROMOTION_PROPS, supplyChain: { lowThreshold: 10 } },
  gates: {
    ...PROMOTION_PROPS,
    stages: PROMOTION_PROPS.stages!.map((stage, i) => (i === 0 ? stage : {
      ...stage, guard: { alarms: ['web-app-5xx'], bakeMinutes: 30, window: { cron: '* * 9-15 ? * MON-THU', timezone: 'Europe/Berlin' } },
    })),
  },
};

function synth(pipeline: PipelineProps | undefined): Record<string, any> {
  return Testing.synth(new CicdPipelineProject({ name: 'web-app', defaultReleaseBranch: 'main', githubRepository: REPO, outdir: tempDir('guide'), pipeline }));
}

function guideOf(pipeline: PipelineProps | undefined): string {
  return synth(pipeline)[GUIDE_PATH];
}

function mermaidOf(guide: string): string {
  const blocks = [...guide.matchAll(/```mermaid\n([\s\S]*?)\n```/g)].map(match => match[1]);
  expect(blocks).toHaveLength(1);
  return blocks[0];
}

/** The labels of the pipeline's steps, following its solid links from Source inside the CodePipeline box. */
function executionOrder(chart: Flowchart): string[] {
  const box = chart.subgraphs.find(subgraph => subgraph.id === 'pipeline')!;
  const order: string[] = [];
  let at: string | undefined = 'source';
  while (at) {
    order.push(chart.nodes.get(at)!.label!);
    const from: string = at;
    at = chart.edges.find(edge => edge.from === from && !edge.dotted && box.members.includes(edge.to))?.to;
  }
  expect(order).toHaveLength(box.members.length);
  return order;
}

describe(`${GUIDE_PATH}: the guide to this configuration, regenerated on every synth`, () => {
  describe.each(Object.entries(CONFIGURATIONS))('its Mermaid diagram parses (%s)', (name, pipeline) => {
    const chart = parseFlowchart(mermaidOf(guideOf(pipeline)));
    const expected: Record<string, string[]> = {
      default: ['Source', 'Build'],
      stages: ['Source', 'Build', 'deploy: dev', 'approve prod', 'deploy: prod'],
      selfUpdate: ['Source', 'UpdatePipeline', 'Build'],
      both: ['Source', 'UpdatePipeline', 'Build', 'deploy: dev', 'approve prod', 'deploy: prod'],
      gates: ['Source', 'Build', 'deploy: dev', 'enter prod', 'approve prod', 'deploy: prod', 'bake prod'],
      supplyChain: ['Source', 'Build', 'Scan: Inspector, stops above 0 critical, 0 high, 10 low', 'deploy: dev', 'approve prod', 'deploy: prod'],
    };

    test('and runs the configured steps in order inside the CodePipeline box', () => {
      expect(chart.direction).toBe('LR');
      const order = executionOrder(chart);
      expect(order.map(label => expected[name].find(prefix => label.startsWith(prefix)))).toEqual(expected[name]);
    });

    test('approvals are decisions before their stage; every deploy receives the image from ECR, never from Build', () => {
      const approvals = [...chart.nodes.values()].filter(node => node.shape === 'decision');
      expect(approvals.map(node => node.label)).toEqual(name === 'default' || name === 'selfUpdate' ? [] : ['approve prod']);
      const deploys = [...chart.nodes.values()].filter(node => node.label?.startsWith('deploy:')).map(node => node.id);
      for (const id of deploys) expect(chart.edges).toContainEqual(expect.objectContaining({ from: 'ecr', to: id, dotted: true }));
      expect(chart.nodes.get('ecr')?.shape).toBe('database');
    });

    test('an entry gate is a hexagon before its stage\'s approval, a bake follows its deploy', () => {
      const gates = [...chart.nodes.values()].filter(node => node.shape === 'hexagon').map(node => node.label);
      expect(gates).toEqual(name === 'gates' ? ['enter prod: inside window * * 9-15 ? * MON-THU Europe/Berlin, no alarm of 1 in ALARM'] : []);
    });

    test('the drift check reports to the topic exactly when selfUpdate is on', () => {
      const drift = chart.edges.filter(edge => edge.from === 'drift' && edge.to === 'topic');
      expect(drift).toHaveLength(name === 'selfUpdate' || name === 'both' ? 1 : 0);
    });
  });

  test('the parser rejects what Mermaid would reject or misread (so a parse proves something)', () => {
    const bad = [
      'flowchart XY\n  a --> b',
      'flowchart LR\n  subgraph p["x"]\n  a --> b',
      'flowchart LR\n  a --> b\n  end',
      'flowchart LR\n  a["deploy "prod""] --> b',
      'flowchart LR\n  a[deploy (prod)] --> b',
      'flowchart LR\n  a -->ops',
      'flowchart LR\n  end --> b',
      'flowchart LR\n  a["x"]\n  a["y"]',
      'flowchart LR\n  a -.-> missing\n  subgraph s\n  end\n  s --> x[x',
    ];
    for (const source of bad) expect(() => parseFlowchart(source)).toThrow(/Mermaid parse error/);
    expect(parseFlowchart('flowchart LR\n  a["#quot;x#quot;"] -->|"y"| b{"z"}').edges).toEqual([{ from: 'a', to: 'b', label: 'y', dotted: false }]);
  });

  test('labels with Mermaid\'s own characters are written as entity codes, so the diagram still parses', () => {
    const chart = parseFlowchart(mermaidOf(guideOf({ repository: REPO, notifications: { emails: ['ops#1@acme.example'] } })));
    expect(chart.nodes.get('mail')?.label).toBe('e-mail: ops#35;1@acme.example');
  });

  test('is a managed, read-only file with the projen marker; the README links to it', () => {
    const outdir = tempDir('guide-files');
    process.env.PROJEN_DISABLE_POST = 'true';
    new CicdPipelineProject({ name: 'web-app', defaultReleaseBranch: 'main', githubRepository: REPO, outdir }).synth();
    const file = path.join(outdir, GUIDE_PATH);
    expect(fs.readFileSync(file, 'utf-8')).toMatch(/^<!-- ~~ Generated by projen/);
    // eslint-disable-next-line no-bitwise
    expect(fs.statSync(file).mode & 0o222).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(outdir, '.projen', 'files.json'), 'utf-8')).files).toContain(GUIDE_PATH);
    expect(fs.readFileSync(path.join(outdir, 'README.md'), 'utf-8')).toContain(`[${GUIDE_PATH}](${GUIDE_PATH})`);
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  test('adding a stage adds its box, its row and its role\'s trust statement', () => {
    const without = guideOf(undefined);
    const withStages = guideOf(PROMOTION_PROPS);
    expect(without).not.toContain('deploy: prod');
    expect(without).toMatch(/## Deploy stages\n\nNone/);
    expect(withStages).toContain(`| \`prod\` | yes | \`${PROD_ROLE_ARN}\` | yes | \`deploy/prod.buildspec.yml\` |`);
    const trust = /### Trust for `prod`[\s\S]*?```json\n([\s\S]*?)\n```/.exec(withStages);
    // One role per environment, named as the program names it (naming.ts: <name>-<env>-deploy-<stage>).
    expect(JSON.parse(trust![1])).toEqual({
      Effect: 'Allow',
      Principal: { AWS: ['arn:aws:iam::<pipeline-account-id>:role/web-app-dev-deploy-prod', 'arn:aws:iam::<pipeline-account-id>:role/web-app-prod-deploy-prod'] },
      Action: 'sts:AssumeRole',
    });
    expect(withStages).not.toContain('### Trust for `dev`'); // dev assumes no role
    expect(withStages).toContain('`deployRoleArns`');
  });

  test('turning selfUpdate on replaces the stack-init commands with the backend login and the secrets provider', () => {
    const plain = guideOf(undefined);
    const selfUpdating = guideOf({ repository: REPO, selfUpdate: SELF_UPDATE_S3, environments: ['dev', 'prod'] });
    expect(plain).toContain('   pulumi stack init dev && pulumi config set aws:region <region>');
    expect(plain).not.toContain('--secrets-provider');
    expect(selfUpdating).toContain(`\`pulumi login ${SELF_UPDATE_S3.backendUrl}\``);
    for (const env of ['dev', 'prod']) {
      expect(selfUpdating).toContain(`   pulumi stack init ${env} --secrets-provider "${SELF_UPDATE_S3.secretsProvider}" && pulumi config set aws:region <region>`);
    }
    expect(selfUpdating).toMatch(/drift check \(`web-app-<env>-drift`, on the schedule `rate\(1 day\)`\)/);
  });

  test('a configured connection gives the region and replaces the authorization step', () => {
    const arn = 'arn:aws:codeconnections:eu-central-1:111122223333:connection/0b3e5a8e-1111-4222-8333-944455556666';
    const guide = guideOf({ connectionArn: arn });
    expect(guide).toContain('pulumi config set aws:region eu-central-1');
    expect(guide).toContain(`uses the existing connection \`${arn}\``);
    expect(guide).not.toContain('Update pending connection');
  });

  test('names the secrets each role reads (ARNs, never values) and the repository secret PROJEN_GITHUB_TOKEN', () => {
    const guide = guideOf(PROMOTION_PROPS);
    expect(guide).toContain(`| Build (its role) | \`NPM_TOKEN\` | \`${SECRET_ARN}\` |`);
    expect(guide).toContain(`| stage \`prod\` (its role) | \`NPM_TOKEN\` | \`${SECRET_ARN}\` |`);
    expect(guide).toMatch(/`PROJEN_GITHUB_TOKEN`: the upgrade workflow/);
    expect(guide).toMatch(/approve or reject in the CodePipeline console/i);
    expect(guide).toContain('release@acme.example');
  });
});
