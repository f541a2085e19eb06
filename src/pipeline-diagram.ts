import { DeployStageModel } from './deploy-stages';
import { PipelineModel } from './pipeline-model';

/**
 * One step of the pipeline as the diagram draws it, in execution order. A
 * feature that adds a stage (a scan, a guard) adds a kind here, its node in
 * `NODES`, and the step where it runs in `pipelineSteps`.
 */
export type PipelineStep =
  | { readonly kind: 'source'; readonly repository: string; readonly branch: string }
  | { readonly kind: 'update' }
  | { readonly kind: 'build'; readonly signs: boolean }
  | { readonly kind: 'scan'; readonly thresholds: Record<string, number> }
  | { readonly kind: 'gate'; readonly stage: DeployStageModel; readonly index: number }
  | { readonly kind: 'approval'; readonly stage: DeployStageModel; readonly index: number }
  | { readonly kind: 'deploy'; readonly stage: DeployStageModel; readonly index: number; readonly verifies: boolean }
  | { readonly kind: 'bake'; readonly stage: DeployStageModel; readonly index: number };

/** Mermaid flowchart node shapes ("Flowcharts - Basic Syntax", mermaid.js.org). */
export type NodeShape = 'box' | 'rounded' | 'decision' | 'database' | 'hexagon';

export interface DiagramNode {
  /** Letters, digits and `_` only: Mermaid reads `-`, `.` and `@` in an id as edge or shape syntax. */
  readonly id: string;
  readonly label: string;
  readonly shape: NodeShape;
}

export interface DiagramEdge {
  readonly from: string;
  readonly to: string;
  readonly label?: string;
  /** A dotted arrow: data or a side effect, not the order of execution. */
  readonly dotted?: boolean;
}

type NodeOf<K extends PipelineStep['kind']> = (step: Extract<PipelineStep, { kind: K }>) => DiagramNode;

/** The node of each kind of step: one function per kind. */
const NODES: { readonly [K in PipelineStep['kind']]: NodeOf<K> } = {
  source: step => ({ id: 'source', label: `Source: ${step.repository} @ ${step.branch}`, shape: 'box' }),
  update: () => ({ id: 'update', label: 'UpdatePipeline: pulumi up of this stack, restart if changed', shape: 'box' }),
  build: step => ({
    id: 'build',
    label: `Build: docker buildx build with the registry cache, push to ECR${step.signs ? ', sign the digest with AWS Signer' : ''}`,
    shape: 'box',
  }),
  scan: step => ({
    id: 'scan',
    label: `Scan: Inspector, stops above ${Object.entries(step.thresholds).map(([severity, max]) => `${max} ${severity}`).join(', ')}, keeps the SBOM`,
    shape: 'box',
  }),
  gate: step => ({ id: `gate_${step.index}`, label: `enter ${step.stage.name}: ${gateChecks(step.stage).join(', ')}`, shape: 'hexagon' }),
  approval: step => ({ id: `approve_${step.index}`, label: `approve ${step.stage.name}`, shape: 'decision' }),
  deploy: step => ({
    id: `deploy_${step.index}`,
    label: `deploy: ${step.stage.name}${step.verifies ? ', verifies the signature first' : ''}${step.stage.assumeRoleArn ? ' (assumes its target role)' : ''}` +
      `${step.stage.rollbackOnFailure ? ', rolls back on failure' : ''}`,
    shape: 'box',
  }),
  bake: step => ({ id: `bake_${step.index}`, label: `bake ${step.stage.name} ${step.stage.guard!.bakeMinutes} min: an alarm in ALARM rolls back`, shape: 'rounded' }),
};

/** What a stage's entry condition waits for (its release gates), in the order CodePipeline checks them. */
function gateChecks(stage: DeployStageModel): string[] {
  const guard = stage.guard;
  return [
    ...(guard?.window ? [`inside window ${guard.window.cron} ${guard.window.timezone}`] : []),
    ...(guard && guard.alarms.length > 0 ? [`no alarm of ${guard.alarms.length} in ALARM`] : []),
  ];
}

/** The steps of this configuration's pipeline, in the order an execution runs them. */
export function pipelineSteps(model: PipelineModel): PipelineStep[] {
  return [
    { kind: 'source', repository: model.repository, branch: model.branch },
    ...(model.selfUpdate ? [{ kind: 'update' as const }] : []),
    { kind: 'build', signs: model.supplyChain?.signing !== undefined },
    ...(model.supplyChain ? [{ kind: 'scan' as const, thresholds: { ...model.supplyChain.thresholds } }] : []),
    ...model.stages.flatMap((stage, index): PipelineStep[] => [
      // The entry condition is checked before any action of the stage, the approval included.
      ...(gateChecks(stage).length > 0 ? [{ kind: 'gate' as const, stage, index }] : []),
      ...(stage.manualApproval ? [{ kind: 'approval' as const, stage, index }] : []),
      { kind: 'deploy', stage, index, verifies: model.supplyChain?.signing !== undefined },
      ...(stage.guard?.bakeMinutes !== undefined ? [{ kind: 'bake' as const, stage, index }] : []),
    ]),
  ];
}

/** The node of one step. */
export function nodeOf(step: PipelineStep): DiagramNode {
  return (NODES[step.kind] as (s: PipelineStep) => DiagramNode)(step);
}

/** The diagram of a configuration: the pipeline's steps in a chain, and what they talk to around it. */
export interface PipelineDiagram {
  /** The pipeline's own steps, in order (drawn inside the CodePipeline box). */
  readonly steps: DiagramNode[];
  /** Everything outside the pipeline. */
  readonly around: DiagramNode[];
  readonly edges: DiagramEdge[];
}

export function pipelineDiagram(model: PipelineModel): PipelineDiagram {
  const steps = pipelineSteps(model).map(nodeOf);
  const chain: DiagramEdge[] = steps.slice(1).map((node, i) => ({ from: steps[i].id, to: node.id }));
  const around: DiagramNode[] = [
    { id: 'github', label: `GitHub push to ${model.branch}`, shape: 'rounded' },
    { id: 'ecr', label: 'ECR repository', shape: 'database' },
    { id: 'topic', label: 'SNS topic (KMS)', shape: 'box' },
  ];
  const edges: DiagramEdge[] = [
    { from: 'github', to: 'source', label: 'CodeConnections' },
    ...chain,
    { from: 'build', to: 'ecr', label: 'image tagged with the commit SHA', dotted: true },
    ...steps.filter(node => node.id === 'scan').map(node => ({ from: 'ecr', to: node.id, label: 'scanned image', dotted: true })),
    ...steps.filter(node => node.id.startsWith('deploy_')).map(node => ({ from: 'ecr', to: node.id, label: 'same image', dotted: true })),
    ...steps.filter(node => node.id.startsWith('approve_')).map(node => ({ from: node.id, to: 'topic', label: 'approval request', dotted: true })),
    { from: 'pipeline', to: 'topic', label: `execution ${model.notifications.states.join(', ')}`, dotted: true },
  ];
  if (model.notifications.emails.length > 0) {
    around.push({ id: 'mail', label: `e-mail: ${model.notifications.emails.join(', ')}`, shape: 'rounded' });
    edges.push({ from: 'topic', to: 'mail' });
  }
  if (model.selfUpdate) {
    around.push({
      id: 'drift',
      label: model.selfUpdate.driftScheduled ? `drift check, ${model.selfUpdate.driftSchedule}` : 'drift check, on demand',
      shape: 'rounded',
    });
    edges.push({ from: 'drift', to: 'topic', label: 'drift found', dotted: true });
  }
  return { steps, around, edges };
}

/** The diagram as a Mermaid flowchart (a fenced block's body). */
export function renderMermaid(model: PipelineModel): string {
  const diagram = pipelineDiagram(model);
  return [
    'flowchart LR',
    '  subgraph pipeline["CodePipeline V2"]',
    ...diagram.steps.map(node => `    ${renderNode(node)}`),
    '  end',
    ...diagram.around.map(node => `  ${renderNode(node)}`),
    ...diagram.edges.map(edge => `  ${renderEdge(edge)}`),
  ].join('\n');
}

const SHAPES: Record<NodeShape, [string, string]> = {
  box: ['[', ']'],
  rounded: ['([', '])'],
  decision: ['{', '}'],
  database: ['[(', ')]'],
  hexagon: ['{{', '}}'],
};

function renderNode(node: DiagramNode): string {
  const [open, close] = SHAPES[node.shape];
  return `${node.id}${open}"${escapeLabel(node.label)}"${close}`;
}

/** Link text Mermaid reads as written without quotes (the oldest, most widely supported form). */
const PLAIN_LINK_TEXT = /^[\w ,.:-]+$/;

function renderEdge(edge: DiagramEdge): string {
  const arrow = edge.dotted ? '-.->' : '-->';
  const text = edge.label === undefined ? '' : PLAIN_LINK_TEXT.test(edge.label) ? edge.label : `"${escapeLabel(edge.label)}"`;
  return `${edge.from} ${arrow}${text ? `|${text}|` : ''} ${edge.to}`;
}

/** Mermaid ends a quoted label at `"` and reads `#...;` as an entity: both are written as entities. */
function escapeLabel(text: string): string {
  return text.replace(/#/g, '#35;').replace(/"/g, '#quot;');
}
