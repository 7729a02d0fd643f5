/**
 * Cron schedules as the two parsers behind our objects read them. Two forms exist and are easy to
 * mix up, so every message says which one the object needs:
 *
 * - A Kubernetes CronJob: five fields, minute first, or an @-descriptor. The API server parses
 *   `spec.schedule` with github.com/robfig/cron/v3 `ParseStandard` (kubernetes
 *   pkg/apis/batch/validation/validation.go `validateScheduleFormat`; robfig/cron v3.0.1
 *   parser.go: `standardParser = NewParser(Minute | Hour | Dom | Month | Dow | Descriptor)`).
 * - A CloudNativePG ScheduledBackup: six fields, seconds first (lib/cnpg/backup-schedule.ts).
 *
 * Both parsers read a field the same way (robfig/cron parser.go `getField`, `getRange`), and take
 * the same descriptors; that part is shared here.
 */

/** One field of a cron schedule: its name and bounds (robfig/cron v3.0.1 spec.go `bounds`). */
export interface CronField {
  /** Its name in messages, e.g. "day of month". */
  readonly label: string;
  /** The smallest value. */
  readonly min: number;
  /** The largest value. */
  readonly max: number;
  /** Names the field accepts besides numbers, in order from `min` (case-insensitive). @default numbers only */
  readonly names?: readonly string[];
}

/** The fields robfig/cron knows, in its order (spec.go: seconds, minutes, hours, dom, months, dow). */
export const CRON_FIELDS = {
  second: { label: 'second', min: 0, max: 59 },
  minute: { label: 'minute', min: 0, max: 59 },
  hour: { label: 'hour', min: 0, max: 23 },
  dayOfMonth: { label: 'day of month', min: 1, max: 31 },
  month: { label: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  dayOfWeek: { label: 'day of week', min: 0, max: 6, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
} as const satisfies Record<string, CronField>;

/** The descriptors both parsers accept (robfig/cron parser.go `parseDescriptor`), besides `@every <duration>`. */
export const CRON_DESCRIPTORS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'] as const;

/** A Go duration, as `time.ParseDuration` reads it (`@every 1h30m`); "0" alone is one too. */
const GO_DURATION = /^[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$/;

/** Why `descriptor` (starting with "@") is not one robfig/cron takes, or undefined when it is. */
export function cronDescriptorProblem(descriptor: string): string | undefined {
  if ((CRON_DESCRIPTORS as readonly string[]).includes(descriptor)) return undefined;
  const every = '@every ';
  if (descriptor.startsWith(every)) {
    return GO_DURATION.test(descriptor.slice(every.length)) ? undefined : `"${descriptor.slice(every.length)}" is not a duration such as 90s, 15m or 1h30m`;
  }
  return 'is not a cron descriptor; use @yearly, @monthly, @weekly, @daily, @hourly or @every <duration>';
}

/**
 * Why one field of a schedule is not what robfig/cron parses for `field`, or undefined when it
 * parses: a comma-separated list (empty items skipped, as `strings.FieldsFunc` does) of `*`, `?`,
 * a number or name, or a range `a-b`, each with an optional positive `/step`.
 */
export function cronFieldProblem(text: string, field: CronField): string | undefined {
  // strconv.Atoi: an optional sign, then digits; negative numbers are refused after.
  const number = (part: string): number | undefined => {
    const index = field.names?.indexOf(part.toUpperCase()) ?? -1;
    if (index >= 0) return index + field.min;
    return /^[+-]?\d+$/.test(part) ? Number(part) : undefined;
  };
  for (const expr of text.split(',').filter((e) => e !== '')) {
    const rangeAndStep = expr.split('/');
    if (rangeAndStep.length > 2) return `"${expr}" has more than one "/"`;
    const lowAndHigh = rangeAndStep[0].split('-');
    let [start, end] = [field.min, field.max];
    // `*` and `?` are the whole range; robfig/cron reads nothing after them but a step.
    if (lowAndHigh[0] !== '*' && lowAndHigh[0] !== '?') {
      if (lowAndHigh.length > 2) return `"${expr}" has more than one "-"`;
      const low = number(lowAndHigh[0]);
      const high = lowAndHigh.length === 2 ? number(lowAndHigh[1]) : low;
      const bad = low === undefined ? lowAndHigh[0] : high === undefined ? lowAndHigh[1] : undefined;
      if (bad !== undefined) return `"${bad}" is not a number${field.names ? ` or name (${field.names.join(', ')})` : ''}`;
      [start, end] = [low!, high!];
      if (start < 0 || end < 0) return `${expr} is negative`;
    }
    if (rangeAndStep.length === 2) {
      if (!/^\+?\d+$/.test(rangeAndStep[1]) || Number(rangeAndStep[1]) === 0) return `step "${rangeAndStep[1]}" must be a positive number`;
      // "N/step" means "N-max/step".
      if (lowAndHigh.length === 1) end = field.max;
    }
    if (start < field.min || end > field.max) return `${expr} is outside ${field.min}-${field.max}`;
    if (start > end) return `range ${expr} runs backwards`;
  }
  return undefined;
}

/** The five fields of a Kubernetes CronJob schedule, in order. */
const KUBERNETES_FIELDS: readonly CronField[] = [CRON_FIELDS.minute, CRON_FIELDS.hour, CRON_FIELDS.dayOfMonth, CRON_FIELDS.month, CRON_FIELDS.dayOfWeek];

/** The form a CronJob's schedule has, for messages. */
export const CRONJOB_SCHEDULE_FORM = 'a Kubernetes CronJob schedule has five fields, "<minute> <hour> <day of month> <month> <day of week>" (e.g. "0 2 * * *" for 02:00 daily), or one of @hourly, @daily, @weekly, @monthly, @yearly, @every <duration>';

/**
 * Why `schedule` is not a CronJob schedule the API server accepts, or undefined when it is:
 * robfig/cron v3 `ParseStandard`, and no `TZ=`/`CRON_TZ=` prefix (the API server refuses "TZ"
 * in a new schedule: the zone goes in `spec.timeZone`). The message says which form is needed;
 * six fields are most likely CloudNativePG's form, with seconds first.
 */
export function cronJobScheduleProblem(schedule: string): string | undefined {
  if (schedule.length === 0) return `is empty; ${CRONJOB_SCHEDULE_FORM}`;
  if (schedule.includes('TZ')) return 'names a time zone (TZ or CRON_TZ), which the API server refuses in a CronJob schedule; remove it and set spec.timeZone (ScheduledJob: timeZone) instead';
  if (schedule.startsWith('@')) {
    const problem = cronDescriptorProblem(schedule);
    return problem ? `${problem} (${CRONJOB_SCHEDULE_FORM})` : undefined;
  }
  // Go's strings.Fields: split on white space.
  const fields = schedule.split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5) {
    const hint = fields.length === 6
      ? `; six fields with seconds first is CloudNativePG's ScheduledBackup form: drop the seconds ("${fields.slice(1).join(' ')}")`
      : '';
    return `has ${fields.length} field${fields.length === 1 ? '' : 's'}: ${CRONJOB_SCHEDULE_FORM}${hint}`;
  }
  for (let i = 0; i < 5; i++) {
    const problem = cronFieldProblem(fields[i], KUBERNETES_FIELDS[i]);
    if (problem) return `has an invalid ${KUBERNETES_FIELDS[i].label} field "${fields[i]}": ${problem} (${CRONJOB_SCHEDULE_FORM})`;
  }
  return undefined;
}

/**
 * https://data.iana.org/time-zones/theory.html#naming, as the API server tolerates it (kubernetes
 * pkg/apis/batch/validation/validation.go `validTimeZoneCharacters`).
 */
const TIME_ZONE_PART = /^[A-Za-z.\-_0-9+]{1,14}$/;

/**
 * Why `zone` is not a CronJob `spec.timeZone` the API server accepts, or undefined when it is
 * (kubernetes pkg/apis/batch/validation/validation.go `validateTimeZone`): not empty, each
 * `/`-separated part of IANA's name characters, not "Local", and a zone `time.LoadLocation`
 * finds. Node's Intl (the ICU copy of the IANA database) stands in for Go's: it accepts the same
 * zones and links, but ignores case where Go does not, so each part must also start with a capital,
 * as every IANA name does. The two databases may differ by a release for zones created lately.
 */
export function timeZoneProblem(zone: string): string | undefined {
  const allowed = 'an IANA time zone such as "Etc/UTC", "Europe/Berlin" or "America/New_York" (https://en.wikipedia.org/wiki/List_of_tz_database_time_zones)';
  if (zone.length === 0) return `is empty; leave timeZone out for the controller's zone, or give ${allowed}`;
  if (zone.toLowerCase() === 'local') return `is "Local", which the API server refuses: name ${allowed}`;
  const parts = zone.split('/');
  if (parts.some((p) => p === '.' || p === '..' || p.startsWith('-') || !TIME_ZONE_PART.test(p) || !/^[A-Z]/.test(p))) return `"${zone}" is not a time zone name; use ${allowed}`;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    return `"${zone}" is not in the IANA time zone database; use ${allowed}`;
  }
  return undefined;
}

/**
 * The most a CronJob's name may have: the controller names each Job `<cronjob>-<11 characters>`
 * and a Job name must fit a 63-character label (kubernetes pkg/apis/batch/validation/validation.go
 * `ValidateCronJobCreate`: "must be no more than 52 characters").
 */
export const CRONJOB_NAME_MAX = 52;

/** Why `name` cannot name a CronJob, or undefined when it can (length only; the DNS rules are lib/core/dns.ts's). */
export function cronJobNameProblem(name: string): string | undefined {
  if (name.length <= CRONJOB_NAME_MAX) return undefined;
  return `has ${name.length} characters; the API server refuses a CronJob name longer than ${CRONJOB_NAME_MAX}, since its Jobs are named <name>-<11 characters>`;
}
