/**
 * CNPG's schedule syntax: github.com/robfig/cron (v1) `cron.Parse`, used by the ScheduledBackup
 * webhook, with six fields, seconds first (ScheduledBackup CRD: "includes an additional seconds
 * specifier"). robfig's parser also takes five fields with a meaning shifted by one (the webhook
 * only warns), so a Kubernetes-style "0 2 * * *" would run at minute 2 of every hour: refused here.
 */
export function checkBackupSchedule(schedule: string): string | undefined {
  const trimmed = schedule.trim();
  if (trimmed.startsWith('@')) {
    if (['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'].includes(trimmed)) return undefined;
    if (/^@every (\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(trimmed)) return undefined;
    return 'is not a cron descriptor; use @yearly, @monthly, @weekly, @daily, @hourly or @every <duration>';
  }
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 6) {
    const hint = fields.length === 5 ? ` (a Kubernetes CronJob schedule; prepend the seconds: "0 ${trimmed}")` : '';
    return `has ${fields.length} fields; CNPG schedules have six, seconds first: "<second> <minute> <hour> <day of month> <month> <day of week>", e.g. "0 0 2 * * *" for 02:00 daily${hint}`;
  }
  const specs: ReadonlyArray<readonly [label: string, min: number, max: number, names?: readonly string[]]> = [
    ['second', 0, 59], ['minute', 0, 59], ['hour', 0, 23], ['day of month', 1, 31],
    ['month', 1, 12, ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC']],
    ['day of week', 0, 6, ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT']],
  ];
  for (let i = 0; i < 6; i++) {
    const [label, min, max, names] = specs[i];
    const problem = checkCronField(fields[i], min, max, names);
    if (problem) return `has an invalid ${label} field "${fields[i]}": ${problem}`;
  }
  return undefined;
}

function checkCronField(field: string, min: number, max: number, names?: readonly string[]): string | undefined {
  const value = (text: string): number | undefined => {
    const index = names?.indexOf(text.toUpperCase()) ?? -1;
    if (index >= 0) return index + min;
    return /^\d+$/.test(text) ? Number(text) : undefined;
  };
  for (const part of field.split(',')) {
    const [range, step, extra] = part.split('/');
    if (extra !== undefined) return `"${part}" has more than one "/"`;
    if (step !== undefined && !/^[1-9]\d*$/.test(step)) return `step "${step}" must be a positive number`;
    if (range === '*' || range === '?') continue;
    const [lowText, highText, more] = range.split('-');
    if (more !== undefined) return `"${range}" is not a range`;
    const low = value(lowText);
    const high = highText === undefined ? low : value(highText);
    if (low === undefined || high === undefined) return `"${range}" is not a number${names ? ' or name' : ''}`;
    if (low < min || high > max) return `${range} is outside ${min}-${max}`;
    if (low > high) return `range ${range} runs backwards`;
  }
  return undefined;
}
