import { Project, ProjenrcFile } from 'projen';

/**
 * How the user spells options: `camelCase` in `.projenrc.ts` (and `.projenrc.json`),
 * `snake_case` in `.projenrc.py`, where jsii renames every struct property.
 */
export type OptionStyle = 'typescript' | 'python';

/**
 * The language the user configures the project in. jsii's Python runtime starts
 * the JavaScript kernel with `JSII_AGENT=Python/<version>` (jsii
 * `python/src/jsii/_kernel/providers/process.py`); `projen new --projenrc-python`
 * runs in Node, so a project whose projenrc is `.projenrc.py` counts too.
 */
export function optionStyle(project?: Project): OptionStyle {
  if ((process.env.JSII_AGENT ?? '').startsWith('Python/')) return 'python';
  if (project && ProjenrcFile.of(project)?.filePath.endsWith('.py')) return 'python';
  return 'typescript';
}

/**
 * The projenrc file a project is configured from. Generated files that name it
 * use this, not the host language, so that a synth from Python and one from
 * TypeScript write the same files.
 */
export function projenrcOf(project: Project): string {
  return ProjenrcFile.of(project)?.filePath ?? '.projenrc.ts';
}

/** The file a user edits to change an option, for an error or warning: the project's projenrc, in the user's language. */
export function projenrcFileName(project: Project | undefined, style: OptionStyle): string {
  const configured = project ? projenrcOf(project) : undefined;
  if (style === 'python') return configured?.endsWith('.py') ? configured : '.projenrc.py';
  return configured ?? '.projenrc.ts';
}

type Segment = { readonly kind: 'option' | 'key'; readonly name: string } | { readonly kind: 'index'; readonly index: number };

/**
 * The path of one option, e.g. `pipeline.codeBuild.environmentVariables.FOO`.
 * The one place option paths are spelled: option names follow the user's
 * language (`pipeline.code_build.environment_variables.FOO` in Python); map
 * keys the user wrote (variable names, tag keys) and list indexes never change.
 */
export class OptionPath {
  /** A path of option names only, written in camelCase: `OptionPath.of('pipeline.codeBuild')`. */
  public static of(dotted: string): OptionPath {
    return new OptionPath(dotted.split('.').map(name => ({ kind: 'option' as const, name })));
  }

  private constructor(private readonly segments: readonly Segment[]) {}

  /** A nested option (renamed for Python). */
  public option(name: string): OptionPath {
    return new OptionPath([...this.segments, { kind: 'option', name }]);
  }

  /** An entry of a map the user wrote (kept as written). */
  public key(name: string): OptionPath {
    return new OptionPath([...this.segments, { kind: 'key', name }]);
  }

  /** An item of a list. */
  public index(index: number): OptionPath {
    return new OptionPath([...this.segments, { kind: 'index', index }]);
  }

  public format(style: OptionStyle): string {
    return this.segments.map((segment, i) => {
      if (segment.kind === 'index') return `[${segment.index}]`;
      const name = segment.kind === 'option' ? optionName(segment.name, style) : segment.name;
      return i === 0 ? name : `.${name}`;
    }).join('');
  }
}

/** One option name as the user writes it: jsii turns `keepImages` into `keep_images` for Python. */
export function optionName(camelCase: string, style: OptionStyle): string {
  return style === 'python' ? camelCase.replace(/[A-Z]/g, c => `_${c.toLowerCase()}`) : camelCase;
}

/** A dotted path of option names (no map keys) as the user writes it. */
export function formatOption(dotted: string, style: OptionStyle): string {
  return OptionPath.of(dotted).format(style);
}

/** `option: 'value'` in TypeScript, `option="value"` in Python: how to set an option, for hints. */
export function optionAssignment(camelCase: string, value: string, style: OptionStyle): string {
  return style === 'python' ? `${optionName(camelCase, style)}=${JSON.stringify(value)}` : `${camelCase}: '${value}'`;
}

/**
 * Collects every problem with a configuration so that one error can report
 * them all, each prefixed with the option path it concerns.
 */
export class Problems {
  private readonly messages: string[] = [];
  /** Option paths (as spelled for the user) whose value holds a credential: nothing more is said about them. */
  private readonly credentialPaths: string[] = [];
  /** Parts of refused credentials that no message may repeat. */
  private readonly withheld: string[] = [];

  /**
   * @param style how option paths are spelled in messages
   * @param file the projenrc file the options are written in, named in the error
   */
  public constructor(public readonly style: OptionStyle = 'typescript', public readonly file?: string) {}

  public add(path: OptionPath, message: string): void {
    const name = this.name(path);
    // The credential's own problem is the one to fix first; any other check of the option could quote it.
    if (this.credentialPaths.some(refused => name === refused || name.startsWith(`${refused}.`) || name.startsWith(`${refused}[`))) return;
    if (this.repeatsCredential(name)) return; // a map key that holds one; its map's problem says so
    const line = this.repeatsCredential(message)
      ? `${name}: has a problem whose message would repeat a credential refused above; fix that first`
      : `${name}: ${message}`;
    this.messages.push(redactRandomRuns(line));
  }

  /**
   * Reports a credential found in an option: one problem per option, which
   * never quotes the value. Later problems at that option are dropped, and
   * those elsewhere that would repeat any of `withheld` are replaced.
   */
  public addCredential(path: OptionPath, message: string, withheld: readonly string[]): void {
    const name = this.name(path);
    this.withheld.push(...withheld);
    if (this.credentialPaths.includes(name)) return; // one problem per option, whatever else it holds
    this.credentialPaths.push(name);
    this.messages.push(`${name}: ${message}`);
  }

  /** Whether `text` shares 8 or more consecutive characters with a refused credential. */
  private repeatsCredential(text: string): boolean {
    // Ignoring case: derived names lower-case what they take from an option.
    const lower = text.toLowerCase();
    return this.withheld.some(part => {
      const secret = part.toLowerCase();
      if (secret.length <= WITHHELD_WINDOW) return lower.includes(secret);
      for (let i = 0; i + WITHHELD_WINDOW <= secret.length; i++) {
        if (lower.includes(secret.slice(i, i + WITHHELD_WINDOW))) return true;
      }
      return false;
    });
  }

  /** Problems another check already reported, with their option paths. */
  public addReported(messages: readonly string[]): void {
    for (const message of messages) {
      if (!this.repeatsCredential(message)) this.messages.push(redactRandomRuns(message));
    }
  }

  /** An option path spelled for the user, for a message that names another option. */
  public name(path: OptionPath): string {
    return path.format(this.style);
  }

  public get list(): readonly string[] {
    return this.messages;
  }

  /** Throws one error listing every problem, if there is any. */
  public throwIfAny(subject: string): void {
    if (this.messages.length > 0) {
      throw new PipelineConfigError(this.file ? `${subject} in ${this.file}` : subject, this.messages);
    }
  }

  public string(path: OptionPath, value: unknown, required: boolean): value is string {
    if (value === undefined && !required) return false;
    if (typeof value !== 'string') {
      this.add(path, `must be a string (got ${describe(value)})`);
      return false;
    }
    return true;
  }

  public integer(path: OptionPath, value: unknown, min: number, max: number): value is number {
    if (value === undefined) return false;
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      this.add(path, `must be a whole number from ${min} to ${max} (got ${describe(value)})`);
      return false;
    }
    if (value < min || value > max) {
      this.add(path, `must be from ${min} to ${max} (got ${value})`);
      return false;
    }
    return true;
  }

  /** An optional flag: false when unset; a non-boolean is reported. */
  public boolean(path: OptionPath, value: unknown): value is boolean {
    if (value === undefined) return false;
    if (typeof value !== 'boolean') {
      this.add(path, 'must be true or false');
      return false;
    }
    return true;
  }

  public oneOf<T>(path: OptionPath, value: unknown, allowed: readonly T[]): value is T {
    if (value === undefined) return false;
    if (!allowed.includes(value as T)) {
      this.add(path, `must be one of ${allowed.map(a => JSON.stringify(a)).join(', ')} (got ${describe(value)})`);
      return false;
    }
    return true;
  }

  public stringArray(path: OptionPath, value: unknown, maxItems: number): value is string[] {
    if (value === undefined) return false;
    if (!Array.isArray(value)) {
      this.add(path, `must be a list of strings (got ${describe(value)})`);
      return false;
    }
    if (value.length > maxItems) {
      this.add(path, `must have at most ${maxItems} entries (got ${value.length})`);
    }
    let ok = true;
    value.forEach((item, i) => {
      if (typeof item !== 'string') {
        this.add(path.index(i), `must be a string (got ${describe(item)})`);
        ok = false;
      }
    });
    return ok && value.length <= maxItems;
  }

  public stringMap(path: OptionPath, value: unknown): value is Record<string, string> {
    if (value === undefined) return false;
    if (!isPlainObject(value)) {
      this.add(path, `must be a map of strings (got ${describe(value)}); write it as ` +
        (this.style === 'python' ? 'a dict, e.g. {"NAME": "value"}' : "a plain object, e.g. { NAME: 'value' }"));
      return false;
    }
    let ok = true;
    for (const [key, item] of Object.entries(value)) {
      if (typeof item !== 'string') {
        this.add(path.key(key), `must be a string (got ${describe(item)})`);
        ok = false;
      }
    }
    return ok;
  }

  public struct(path: OptionPath, value: unknown): value is Record<string, unknown> {
    if (value === undefined) return false;
    if (!isPlainObject(value)) {
      this.add(path, `must be an object (got ${describe(value)})`);
      return false;
    }
    return true;
  }

  /** Reports keys a struct does not define (a typo in JSON or Python would otherwise be ignored). */
  public knownKeys(path: OptionPath, value: Record<string, unknown>, known: readonly string[]): void {
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) {
        this.add(path.key(key), `is not an option (known: ${known.map(k => optionName(k, this.style)).join(', ')})`);
      }
    }
  }
}

/** How many consecutive characters of a refused credential a message may not repeat. */
const WITHHELD_WINDOW = 8;

/**
 * A run that looks random: 20 or more letters, digits, `+`, `/` or `=` with
 * upper case, lower case and a digit and 16 or more of them between two `/`,
 * or 32 or more hex digits. Names, paths, ARNs and commands have separators
 * well before that; keys and tokens of formats no rule knows do not. A
 * message never quotes one.
 */
const RANDOM_RUN = /[A-Za-z0-9+/=]{20,}/g;
const HEX_RUN = /^[0-9a-fA-F]{32,}$/;

function redactRandomRuns(line: string): string {
  return line.replace(RANDOM_RUN, run => looksRandom(run) ? `<${run.length} characters not shown: they may be a secret>` : run);
}

function looksRandom(run: string): boolean {
  if (HEX_RUN.test(run)) return true;
  // A path's segments are names; a base64 key's "/" falls anywhere.
  const longest = Math.max(...run.split('/').map(segment => segment.length));
  return longest >= 16 && /[a-z]/.test(run) && /[A-Z]/.test(run) && /\d/.test(run);
}

/** Thrown when a pipeline configuration breaks one or more rules. */
export class PipelineConfigError extends Error {
  public constructor(subject: string, public readonly problems: readonly string[]) {
    super(
      `Invalid ${subject} (${problems.length} problem${problems.length === 1 ? '' : 's'}); nothing was written:\n` +
        problems.map(p => `  - ${p}`).join('\n'),
    );
    this.name = 'PipelineConfigError';
    // A user's mistake, not a bug: Node prints an uncaught error's stack and its own properties, so the
    // message would be printed twice, after a stack trace into this library. The message says it all.
    Object.defineProperty(this, 'problems', { value: problems, enumerable: false });
    this.stack = `${this.name}: ${this.message}`;
  }
}

/**
 * Objects written as literals (`{ ... }`) or handed over by jsii (a Python
 * dict arrives as one). A Map, Set, Date or class instance is not: spreading
 * or `Object.entries` would silently see no entries.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  }
  if (typeof value === 'object') {
    if (isPlainObject(value)) return 'an object';
    const type = (value as object).constructor?.name;
    if (value instanceof Map || value instanceof Set || value instanceof Date) return `a ${type}`;
    return type ? `an instance of ${type}` : 'an object';
  }
  return `${typeof value} ${String(value)}`;
}
