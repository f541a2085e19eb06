/**
 * Where a consumer's guardrail run spends its time: a V8 CPU profile of `jest infra`
 * (`node --cpu-prof`), each sample given to the first cost below that its call stack
 * shows, so that a regression names the part that grew. A profile's sample intervals
 * are wall-clock time of the main thread: shares are what compare across machines.
 */
import * as fs from 'fs';
import * as path from 'path';
import { run } from '../test/e2e/harness';
import { tempDir } from '../test/helpers';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: number[];
}
interface CpuProfile { readonly nodes: ProfileNode[]; readonly samples: number[]; readonly timeDeltas: number[] }

/** One cost of the guardrail run and its seconds in the profile. */
export interface Cost { readonly what: string; readonly seconds: number }

const isModuleBody = (n: ProfileNode) => n.callFrame.functionName === '' && n.callFrame.lineNumber === 0 && n.callFrame.url !== '';
const inPackage = (n: ProfileNode, pkg: string) => n.callFrame.url.includes(`/node_modules/${pkg}/`);
const inProgram = (n: ProfileNode) => /\/infra\/[^/]+\.ts$/.test(n.callFrame.url);

/**
 * Names the cost of one sample from its stack (leaf first). Loading a module is told
 * by the innermost module body of the Pulumi SDK or provider; a mocked run by their
 * frames or the program's; a check by the guardrail files' frames outside a module body.
 */
function costOf(stack: ProfileNode[]): string {
  const leaf = stack[0];
  if (leaf.callFrame.functionName === '(garbage collector)') return 'garbage collection';
  if (stack.some(n => inPackage(n, '@jest/source-map'))) return 'jest source-mapping stack traces';
  if (stack.some(n => inPackage(n, 'ts-jest') || inPackage(n, 'typescript') && !stack.some(m => inPackage(m, '@pulumi/pulumi')))) return 'ts-jest (loading TypeScript, transforming)';
  const pulumiModule = stack.find(n => isModuleBody(n) && (inPackage(n, '@pulumi/pulumi') || inPackage(n, '@pulumi/aws')));
  if (pulumiModule) return inPackage(pulumiModule, '@pulumi/aws') ? 'loading @pulumi/aws (its used submodules)' : 'loading @pulumi/pulumi (and its dependencies)';
  if (stack.some(n => isModuleBody(n) && inProgram(n))) return 'loading the program and its checks';
  if (stack.some(n => inPackage(n, '@pulumi/pulumi') || inPackage(n, '@pulumi/aws') || inPackage(n, 'google-protobuf') || n.callFrame.functionName === 'pipelineForStack')) {
    return 'mocked runs (the program under setMocks)';
  }
  if (stack.some(n => inProgram(n))) return 'checks (assertions on what was registered)';
  if (stack.some(n => /\/node_modules\/(@jest\/|jest-|jest\/)/.test(n.callFrame.url))) return 'jest (start, discovery, module registry, reporting)';
  return 'node and the rest (start, idle, native)';
}

/** Seconds by cost, largest first, from a `.cpuprofile`. */
export function summarize(profile: CpuProfile): Cost[] {
  const byId = new Map(profile.nodes.map(n => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const stack: ProfileNode[] = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) stack.push(byId.get(cur)!);
    const what = costOf(stack);
    totals.set(what, (totals.get(what) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1e6);
  });
  return [...totals].map(([what, seconds]) => ({ what, seconds })).sort((a, b) => b.seconds - a.seconds);
}

/** Profiles one `jest infra` run in `consumer` (in band, as a single test file runs anyway). */
export function profileGuardrails(consumer: string): Cost[] {
  const dir = tempDir('cpu-prof');
  run(consumer, 'node', ['--cpu-prof', `--cpu-prof-dir=${dir}`, path.join('node_modules', 'jest', 'bin', 'jest.js'), '--coverage=false', '--runInBand', 'infra']);
  const file = fs.readdirSync(dir).find(f => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`node --cpu-prof wrote no profile in ${dir}`);
  return summarize(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf-8')));
}

/** `cost 1.23 s (45%); …` for the report. */
export function formatCosts(costs: Cost[], top = 6): string {
  const total = costs.reduce((sum, c) => sum + c.seconds, 0);
  return costs.slice(0, top).map(c => `${c.what} ${c.seconds.toFixed(2)} s (${Math.round(100 * c.seconds / total)}%)`).join('; ') + ` — of ${total.toFixed(2)} s profiled`;
}
