import { partitionOfRegion } from './arns';
import { OptionPath, Problems, optionName } from './validation';

/**
 * A deploy stage's release gates with every rule checked: CodePipeline V2
 * stage conditions ("Configure conditions for a stage",
 * https://docs.aws.amazon.com/codepipeline/latest/userguide/stage-conditions.html).
 */
export interface GuardModel {
  /** The CloudWatch alarms, each as the name the rule reads and, when given as an ARN, that ARN. */
  readonly alarms: AlarmModel[];
  /** Minutes the alarms are watched after the stage succeeds (rollback on ALARM); absent: no bake. */
  readonly bakeMinutes?: number;
  readonly window?: { readonly cron: string; readonly timezone: string };
  readonly retryOnFailure: boolean;
}

export interface AlarmModel {
  readonly name: string;
  /** The ARN the user gave; a name alone is an alarm of the pipeline's own account and region. */
  readonly arn?: string;
}

const GUARD_KEYS = ['alarms', 'bakeMinutes', 'window', 'retryOnFailure'];
/**
 * A condition holds 1 to 5 rules (API Condition, rules). The entry condition
 * holds one CloudWatchAlarm rule per alarm and, with a window, the
 * DeploymentWindow rule; so with a window at most four alarms.
 */
export const MAX_RULES_PER_CONDITION = 5;
/**
 * PutMetricAlarm, AlarmName: 1 to 255 UTF-8 characters without ASCII control
 * characters. `*` and `?` are allowed by CloudWatch but are wildcards in an
 * IAM Resource: the pipeline role's grant would reach other alarms.
 */
const ALARM_NAME_MAX = 255;
const CONTROL = /[\x00-\x1f\x7f]/;
const ALARM_ARN = /^arn:(aws|aws-cn|aws-us-gov):cloudwatch:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):alarm:(.+)$/s;
/**
 * The CloudWatchAlarm rule's `WaitTime` is in minutes (rule reference,
 * https://docs.aws.amazon.com/codepipeline/latest/userguide/rule-reference-CloudWatchAlarm.html);
 * AWS publishes no bound for it. A bake holds the stage (and, QUEUED, every
 * later execution), so this library caps it at three hours.
 */
export const BAKE_MINUTES_MIN = 1;
export const BAKE_MINUTES_MAX = 180;

/** Checks `stages[i].guard`; undefined when the stage has none. */
export function resolveGuard(p: Problems, path: OptionPath, value: unknown): GuardModel | undefined {
  if (value === undefined) return undefined;
  if (!p.struct(path, value)) return undefined;
  p.knownKeys(path, value, GUARD_KEYS);
  const windowPath = path.option('window');
  const window = checkWindow(p, windowPath, value.window);
  const alarms = checkAlarms(p, path.option('alarms'), value.alarms, window !== undefined);
  const bakePath = path.option('bakeMinutes');
  const bakeMinutes = p.integer(bakePath, value.bakeMinutes, BAKE_MINUTES_MIN, BAKE_MINUTES_MAX) ? value.bakeMinutes : undefined;
  if (value.bakeMinutes !== undefined && alarms.length === 0 && value.alarms === undefined) {
    p.add(bakePath, `a bake watches the stage's alarms for rollback: list them in ${p.name(path.option('alarms'))}`);
  }
  const retryPath = path.option('retryOnFailure');
  p.boolean(retryPath, value.retryOnFailure);
  const retryOnFailure = value.retryOnFailure === true;
  if (value.alarms === undefined && value.window === undefined && value.bakeMinutes === undefined && value.retryOnFailure === undefined) {
    const names = GUARD_KEYS.map(key => optionName(key, p.style));
    p.add(path, `has no gate: set ${names.join(', ')} (a bake needs alarms), or leave it unset`);
  }
  return {
    alarms,
    retryOnFailure,
    ...(bakeMinutes !== undefined ? { bakeMinutes } : {}),
    ...(window ? { window } : {}),
  };
}

function checkAlarms(p: Problems, path: OptionPath, value: unknown, withWindow: boolean): AlarmModel[] {
  if (value === undefined) return [];
  const max = withWindow ? MAX_RULES_PER_CONDITION - 1 : MAX_RULES_PER_CONDITION;
  if (!p.stringArray(path, value, max)) {
    if (Array.isArray(value) && value.length > max && withWindow) {
      p.add(path, `a stage condition holds at most ${MAX_RULES_PER_CONDITION} rules, and the window is one of them`);
    }
    return [];
  }
  if (value.length === 0) p.add(path, 'must list at least one alarm (or leave it unset)');
  const seen = new Set<string>();
  const regions = new Map<string, number>();
  const alarms = value.map((entry, i): AlarmModel => {
    const at = path.index(i);
    const alarm = checkAlarm(p, at, entry);
    if (seen.has(alarm.name)) p.add(at, `alarm ${JSON.stringify(alarm.name)} is listed twice`);
    seen.add(alarm.name);
    const region = alarm.arn?.split(':')[3];
    if (region !== undefined && !regions.has(region)) regions.set(region, i);
    return alarm;
  });
  if (regions.size > 1) {
    // The rule reads the alarm by name where the pipeline runs: all must be in that one region.
    p.add(path, `names alarms in ${[...regions.keys()].join(' and ')}; the CloudWatchAlarm rule reads alarms in the pipeline's own region only`);
  }
  return alarms;
}

/** A name, or `arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>`. */
function checkAlarm(p: Problems, path: OptionPath, value: string): AlarmModel {
  const arn = value.startsWith('arn:') ? ALARM_ARN.exec(value) : null;
  if (value.startsWith('arn:') && !arn) {
    p.add(path, `${JSON.stringify(value)} is not a CloudWatch alarm ARN (arn:<partition>:cloudwatch:<region>:<12-digit account>:alarm:<name>)`);
    return { name: value };
  }
  if (arn) {
    const [, partition, region] = arn;
    const expected = partitionOfRegion(region);
    if (partition !== expected) p.add(path, `region ${region} belongs to partition ${expected}, not ${partition}`);
  }
  const name = arn ? arn[4] : value;
  if (name.length === 0 || name.length > ALARM_NAME_MAX) {
    p.add(path, `alarm name must be 1 to ${ALARM_NAME_MAX} characters (got ${name.length})`);
  } else if (name.trim().length === 0) {
    p.add(path, 'alarm name must not be blank');
  } else if (CONTROL.test(name)) {
    p.add(path, 'alarm name must not contain control characters (CloudWatch rejects them)');
  } else if (/[*?]/.test(name)) {
    p.add(path, `alarm name ${JSON.stringify(name)} contains "*" or "?", which IAM reads as wildcards: the pipeline role could read other alarms; rename the alarm`);
  } else if (name.includes('${')) {
    // IAM reads `${…}` in a Resource as a policy variable ("IAM policy elements: Variables and tags").
    p.add(path, `alarm name ${JSON.stringify(name)} contains "\${", which IAM reads as a policy variable in the pipeline role's grant; rename the alarm`);
  }
  return arn ? { name, arn: value } : { name };
}

function checkWindow(p: Problems, path: OptionPath, value: unknown): { cron: string; timezone: string } | undefined {
  if (value === undefined) return undefined;
  if (!p.struct(path, value)) return undefined;
  p.knownKeys(path, value, ['cron', 'timezone']);
  const cronPath = path.option('cron');
  const timezonePath = path.option('timezone');
  if (value.cron === undefined) p.add(cronPath, 'is required, e.g. "* * 9-15 ? * MON-THU"');
  if (value.timezone === undefined) p.add(timezonePath, 'is required: an IANA time zone, e.g. "Europe/Berlin"');
  const { cron, timezone } = value;
  const cronOk = p.string(cronPath, cron, false);
  const timezoneOk = p.string(timezonePath, timezone, false);
  if (cronOk) for (const problem of cronProblems(cron)) p.add(cronPath, problem);
  if (timezoneOk && !isIanaTimeZone(timezone)) {
    p.add(timezonePath, `${JSON.stringify(timezone)} is not an IANA time zone (e.g. "Europe/Berlin", "America/New_York", "UTC")`);
  }
  return cronOk && timezoneOk ? { cron, timezone } : undefined;
}

/**
 * An IANA time zone name. The list is Node's (ICU's); jsii runs this code in
 * Node for every host language. `supportedValuesOf` lists canonical names
 * only, so a link that ICU resolves (`UTC`, `Europe/Kiev`) counts too; UTC
 * offsets (`+01:00`), which newer Node versions also resolve, do not.
 */
export function isIanaTimeZone(value: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/.test(value)) return false;
  if (Intl.supportedValuesOf('timeZone').includes(value)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

// --- The DeploymentWindow rule's cron -----------------------------------------

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
/** The longest a month can be, January first (February with 29 days). */
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

interface FieldRule {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Special forms the field allows beside `, - * /` (rule reference table). */
  readonly special?: 'day-of-month' | 'day-of-week';
}

/**
 * The fields of the DeploymentWindow rule's `Cron` (rule reference,
 * https://docs.aws.amazon.com/codepipeline/latest/userguide/rule-reference-DeploymentWindow.html):
 * seconds (`*` only), minutes 0-59, hours 0-23, day-of-month 1-31 (`? L W`),
 * month 1-12 or JAN-DEC, day-of-week 1-7 or SUN-SAT (`? L #`), optional year
 * 1970-2199.
 */
const FIELDS: readonly FieldRule[] = [
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31, special: 'day-of-month' },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day-of-week', min: 1, max: 7, names: DAYS, special: 'day-of-week' },
  { name: 'year', min: 1970, max: 2199 },
];

/**
 * Why `cron` is not a DeploymentWindow expression, or describes a window that
 * never opens (no day of any selected month, or only past years). Empty when
 * it is fine. `now` is for tests.
 */
export function cronProblems(cron: string, now: Date = new Date()): string[] {
  if (/^\s*cron\(/i.test(cron)) return ['is the rule\'s own expression, without a "cron(...)" wrapper, e.g. "* * 9-15 ? * MON-THU"'];
  const parts = cron.trim().split(/\s+/);
  if (cron.trim() === '' || parts.length < 6 || parts.length > 7) {
    return [`${JSON.stringify(cron)} must have 6 fields and an optional year (seconds minutes hours day-of-month month day-of-week [year]), e.g. "* * 9-15 ? * MON-THU"`];
  }
  const problems: string[] = [];
  if (parts[0] !== '*') problems.push(`seconds must be "*" (the rule allows nothing else; got ${JSON.stringify(parts[0])})`);
  const values = FIELDS.slice(0, parts.length - 1).map((field, i) => parseField(field, parts[i + 1], problems));
  const [dayOfMonth, dayOfWeek] = [parts[3], parts[5]];
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    problems.push('exactly one of day-of-month and day-of-week must be "?" (the other selects the days)');
  }
  if (problems.length > 0) return problems;
  const [, , days, months, , years] = values;
  if (days && months && ![...days].some(day => [...months].some(month => day <= MONTH_DAYS[month - 1]))) {
    problems.push(`never opens: no selected month has day ${[...days].join(', ')}`);
  }
  if (years && ![...years].some(year => year >= now.getUTCFullYear())) {
    problems.push(`never opens: every selected year (${[...years].join(', ')}) is in the past`);
  }
  return problems;
}

/**
 * The values a field selects, or undefined for those whose forms (`*`, `?`,
 * `L`, `W`, `#`) select days that depend on the month (never empty).
 */
function parseField(field: FieldRule, text: string, problems: string[]): Set<number> | undefined {
  if (text === '?') {
    if (!field.special) problems.push(`${field.name}: "?" is allowed only in day-of-month and day-of-week`);
    return undefined;
  }
  const selected = new Set<number>();
  let dependsOnMonth = false;
  for (const item of text.split(',')) {
    const result = parseItem(field, item);
    if (result === MONTH_DEPENDENT) {
      dependsOnMonth = true;
    } else if (typeof result === 'string') {
      problems.push(`${field.name}: ${JSON.stringify(item)} ${result}`);
    } else {
      result.forEach(v => selected.add(v));
    }
  }
  return dependsOnMonth || text === '*' ? undefined : selected;
}

/** An item whose days depend on the month (`L`, `W`, `#`): never empty. */
const MONTH_DEPENDENT = 'month-dependent';

function parseItem(field: FieldRule, item: string): Set<number> | string {
  const { min, max } = field;
  const expected = `is not a value, range ("a-b"), increment ("a/n", "*/n") or "*" from ${min} to ${max}` +
    (field.names ? ` (or ${field.names[0]}-${field.names[field.names.length - 1]})` : '');
  if (field.special === 'day-of-month') {
    if (item === 'L' || item === 'LW') return MONTH_DEPENDENT;
    if (/^L-\d+$/.test(item)) return Number(item.slice(2)) <= 30 ? MONTH_DEPENDENT : 'is an offset from the last day of more than 30 days';
    if (/^\d+W$/.test(item)) {
      const day = Number(item.slice(0, -1));
      return day >= 1 && day <= 31 ? new Set([day]) : 'is not a weekday nearest a day from 1 to 31';
    }
  }
  if (field.special === 'day-of-week') {
    if (item === 'L') return MONTH_DEPENDENT;
    const last = /^(.+)L$/.exec(item);
    if (last) return valueOf(field, last[1]) === undefined ? 'is not a last weekday ("6L" or "FRIL")' : MONTH_DEPENDENT;
    const nth = /^(.+)#(\d+)$/.exec(item);
    if (nth) {
      if (valueOf(field, nth[1]) === undefined) return 'is not an nth weekday ("6#3": the third Friday)';
      const n = Number(nth[2]);
      return n >= 1 && n <= 5 ? MONTH_DEPENDENT : 'names a week of the month other than 1 to 5';
    }
  }
  const step = /^(.+)\/(\d+)$/.exec(item);
  const [base, increment] = step ? [step[1], Number(step[2])] : [item, 1];
  if (increment < 1) return 'has an increment of 0';
  let from: number | undefined;
  let to: number | undefined;
  if (base === '*') {
    [from, to] = [min, max];
  } else {
    const range = /^([^-]+)-([^-]+)$/.exec(base);
    from = valueOf(field, range ? range[1] : base);
    to = range ? valueOf(field, range[2]) : (step ? max : from);
  }
  if (from === undefined || to === undefined) return expected;
  if (from > to) return `is a range from ${from} down to ${to}; write it from the lower value`;
  const values = new Set<number>();
  for (let v = from; v <= to; v += increment) values.add(v);
  return values;
}

function valueOf(field: FieldRule, text: string): number | undefined {
  const index = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (index >= 0) return field.min + index;
  if (!/^\d+$/.test(text)) return undefined;
  const v = Number(text);
  return v >= field.min && v <= field.max ? v : undefined;
}
