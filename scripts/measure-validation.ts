/**
 * What the credential detector costs at synth: `resolvePipeline` on a large
 * configuration (every option used, 40 deploy stages of 10 commands, 40 custom
 * tags, 40 variables) timed per call, against the same function of another
 * source tree (e.g. a checkout of the commit before), run alternately so that
 * drift in the machine's speed falls on both sides of the ratio.
 *
 *   ts-node --transpile-only --project scripts/tsconfig.json scripts/measure-validation.ts [other-src-dir] [calls]
 */
import * as path from 'path';
import { FULL_PROPS, PROMOTION_PROPS, SELF_UPDATE_CLOUD } from '../test/helpers';

type Resolve = (props: unknown) => unknown;

const otherDir = process.argv[2];
const CALLS = Number(process.argv[3] ?? 1000);
const ROUNDS = 7;

function largeProps(): unknown {
  const stage = PROMOTION_PROPS.stages![1];
  return {
    ...FULL_PROPS,
    codeBuild: {
      ...FULL_PROPS.codeBuild,
      environmentVariables: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`VAR_${i}`, `value number ${i} with some words`])),
      preBuildCommands: Array.from({ length: 50 }, (_, i) => `npm run step-${i} -- --flag=${i}`),
    },
    stages: Array.from({ length: 40 }, (_, i) => ({
      ...stage,
      name: `stage${i}`,
      commands: Array.from({ length: 10 }, (__, j) => `./scripts/deploy.sh stage${i} --part ${j} --image "$IMAGE_URI"`),
      manualApproval: { emails: [`release${i}@acme.example`] },
    })),
    tags: { ...FULL_PROPS.tags, custom: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`Key${i}`, `value-${i}`])) },
    selfUpdate: SELF_UPDATE_CLOUD,
  };
}

function load(dir: string): Resolve {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.resolve(dir, 'pipeline-model')).resolvePipeline;
}

/** Milliseconds per call over `CALLS` calls. */
function perCall(resolve: Resolve, props: unknown): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) resolve(props);
  return Number(process.hrtime.bigint() - start) / 1e6 / CALLS;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const current = load(path.join(__dirname, '..', 'src'));
const other = otherDir ? load(otherDir) : undefined;
for (const [what, props] of [['large configuration', largeProps()], ['typical configuration (FULL_PROPS)', FULL_PROPS]] as const) {
  current(props); // must be valid
  other?.(props);
  const a: number[] = [];
  const b: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    a.push(perCall(current, props));
    if (other) b.push(perCall(other, props));
  }
  console.log(`${what}: this tree ${median(a).toFixed(3)} ms per resolvePipeline (median of ${ROUNDS} rounds of ${CALLS} calls)` +
    (other ? `; ${otherDir} ${median(b).toFixed(3)} ms; ratio ${(median(a) / median(b)).toFixed(3)}×` : ''));
}
