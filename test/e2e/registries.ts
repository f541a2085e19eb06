import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import { REPO_ROOT, tempDir } from '../helpers';

/**
 * Local stand-ins for npmjs.com and PyPI, on 127.0.0.1: the end-to-end tests
 * publish releases of this library to them and then run the README's commands
 * (`npx projen new --from cicd-pipeline-type`, `npx projen upgrade`, `pip
 * install`) unchanged. Every other package is fetched from the registries this
 * machine is configured with, through the local ones.
 */

/** A free TCP port on the loopback interface. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once `url` answers HTTP (any status), or fails after `timeoutMs`. */
async function waitForHttp(url: string, child: ChildProcess, log: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server for ${url} exited (${child.exitCode}):\n${log()}`);
    const up = await new Promise<boolean>(resolve => {
      http.get(url, res => {
        res.resume();
        resolve(true);
      }).on('error', () => resolve(false));
    });
    if (up) return;
    await new Promise(r => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${log()}`);
}

/** Starts a server process and returns it with a getter for its combined output. */
function startServer(command: string, args: string[], cwd: string): { child: ChildProcess; log: () => string } {
  let output = '';
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  child.stdout!.on('data', d => { output += d; });
  child.stderr!.on('data', d => { output += d; });
  return { child, log: () => output };
}

async function stopServer(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  await new Promise<void>(resolve => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** A verdaccio npm registry that serves this library and proxies everything else. */
export class LocalNpmRegistry {
  public static async start(): Promise<LocalNpmRegistry> {
    const registry = new LocalNpmRegistry(tempDir('npm-registry'), await freePort());
    await registry.listen();
    return registry;
  }

  private server?: ChildProcess;
  private readonly userconfig: string;

  private constructor(private readonly dir: string, private readonly port: number) {
    this.userconfig = path.join(dir, 'npmrc');
  }

  public get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  /**
   * npm's configuration of a machine whose registry is this one (as a company
   * registry would be): npm, npx and npm-check-updates all read it.
   */
  public get env(): NodeJS.ProcessEnv {
    return { NPM_CONFIG_USERCONFIG: this.userconfig, npm_config_registry: this.url };
  }

  /** Publishes a packed tarball, as `npm publish` does from a release workflow. */
  public publish(tarball: string): void {
    execFileSync('npm', ['publish', tarball, '--registry', this.url, '--tag', 'latest', '--provenance=false'], {
      cwd: this.dir, stdio: 'pipe', env: { ...process.env, ...this.env },
    });
  }

  public async stop(): Promise<void> {
    await stopServer(this.server);
  }

  private async listen(): Promise<void> {
    const upstream = execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf-8' }).trim();
    const config = path.join(this.dir, 'config.yaml');
    fs.writeFileSync(config, [
      `storage: ${path.join(this.dir, 'storage')}`,
      'auth:',
      '  htpasswd:',
      `    file: ${path.join(this.dir, 'htpasswd')}`,
      'uplinks:',
      '  upstream:',
      `    url: ${upstream}`,
      // A busy machine makes upstream fetches slow; one failed fetch must not mark the uplink down.
      '    timeout: 180s',
      '    max_fails: 20',
      '    fail_timeout: 10s',
      'packages:',
      "  'cicd-pipeline-type':",
      '    access: $all',
      '    publish: $all',
      "  '**':",
      '    access: $all',
      '    proxy: upstream',
      'log: { type: stdout, format: pretty, level: warn }',
      '',
    ].join('\n'));
    // Anonymous publishing is allowed above; npm still wants a token for the host.
    fs.writeFileSync(this.userconfig, `registry=${this.url}\n//127.0.0.1:${this.port}/:_authToken=e2e\n`);
    const bin = path.join(REPO_ROOT, 'node_modules', 'verdaccio', 'bin', 'verdaccio');
    const { child, log } = startServer(process.execPath, [bin, '--config', config, '--listen', `127.0.0.1:${this.port}`], this.dir);
    this.server = child;
    await waitForHttp(`${this.url}-/ping`, child, log);
  }
}

/**
 * A pypiserver package index that serves this library's wheels and redirects
 * every other package to PyPI.
 */
export class LocalPythonIndex {
  public static async start(): Promise<LocalPythonIndex> {
    const index = new LocalPythonIndex(tempDir('python-index'), await freePort());
    await index.listen();
    return index;
  }

  private server?: ChildProcess;
  private readonly packages: string;

  private constructor(private readonly dir: string, private readonly port: number) {
    this.packages = path.join(dir, 'packages');
    fs.mkdirSync(this.packages);
  }

  public get url(): string {
    return `http://127.0.0.1:${this.port}/simple/`;
  }

  /** pip's configuration of a machine whose index is this one. */
  public get env(): NodeJS.ProcessEnv {
    return { PIP_INDEX_URL: this.url, PIP_DISABLE_PIP_VERSION_CHECK: '1' };
  }

  /** Uploads a wheel (pypiserver serves the files of its folder). */
  public publish(wheel: string): void {
    fs.copyFileSync(wheel, path.join(this.packages, path.basename(wheel)));
  }

  public async stop(): Promise<void> {
    await stopServer(this.server);
  }

  private async listen(): Promise<void> {
    const venv = path.join(this.dir, 'venv');
    execFileSync('python3', ['-m', 'venv', venv], { stdio: 'pipe' });
    execFileSync(path.join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', 'pypiserver==2.4.2'], { stdio: 'pipe' });
    const { child, log } = startServer(path.join(venv, 'bin', 'pypi-server'), [
      'run', '--host', '127.0.0.1', '--port', String(this.port), '--authenticate', '.', '--passwords', '.',
      '--fallback-url', 'https://pypi.org/simple/', this.packages,
    ], this.dir);
    this.server = child;
    await waitForHttp(this.url, child, log);
  }
}
