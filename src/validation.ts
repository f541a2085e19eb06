/**
 * Collects every problem with a configuration so that one error can report
 * them all, each prefixed with the option path it concerns.
 */
export class Problems {
  private readonly messages: string[] = [];

  public add(path: string, message: string): void {
    this.messages.push(`${path}: ${message}`);
  }

  public get list(): readonly string[] {
    return this.messages;
  }

  /** Throws one error listing every problem, if there is any. */
  public throwIfAny(subject: string): void {
    if (this.messages.length > 0) {
      throw new PipelineConfigError(subject, this.messages);
    }
  }

  public string(path: string, value: unknown, required: boolean): value is string {
    if (value === undefined && !required) return false;
    if (typeof value !== 'string') {
      this.add(path, `must be a string (got ${describe(value)})`);
      return false;
    }
    return true;
  }

  public integer(path: string, value: unknown, min: number, max: number): value is number {
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

  public oneOf<T>(path: string, value: unknown, allowed: readonly T[]): value is T {
    if (value === undefined) return false;
    if (!allowed.includes(value as T)) {
      this.add(path, `must be one of ${allowed.map(a => JSON.stringify(a)).join(', ')} (got ${describe(value)})`);
      return false;
    }
    return true;
  }

  public stringArray(path: string, value: unknown, maxItems: number): value is string[] {
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
        this.add(`${path}[${i}]`, `must be a string (got ${describe(item)})`);
        ok = false;
      }
    });
    return ok && value.length <= maxItems;
  }

  public stringMap(path: string, value: unknown): value is Record<string, string> {
    if (value === undefined) return false;
    if (!isPlainObject(value)) {
      this.add(path, `must be a map of strings (got ${describe(value)})`);
      return false;
    }
    let ok = true;
    for (const [key, item] of Object.entries(value)) {
      if (typeof item !== 'string') {
        this.add(`${path}.${key}`, `must be a string (got ${describe(item)})`);
        ok = false;
      }
    }
    return ok;
  }

  public struct(path: string, value: unknown): value is Record<string, unknown> {
    if (value === undefined) return false;
    if (!isPlainObject(value)) {
      this.add(path, `must be an object (got ${describe(value)})`);
      return false;
    }
    return true;
  }

  /** Reports keys a struct does not define (a typo in JSON or Python would otherwise be ignored). */
  public knownKeys(path: string, value: Record<string, unknown>, known: readonly string[]): void {
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) {
        this.add(`${path}.${key}`, `is not an option (known: ${known.join(', ')})`);
      }
    }
  }
}

/** Thrown when a pipeline configuration breaks one or more rules. */
export class PipelineConfigError extends Error {
  public constructor(subject: string, public readonly problems: readonly string[]) {
    super(
      `Invalid ${subject} (${problems.length} problem${problems.length === 1 ? '' : 's'}); nothing was written:\n` +
        problems.map(p => `  - ${p}`).join('\n'),
    );
    this.name = 'PipelineConfigError';
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  }
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
