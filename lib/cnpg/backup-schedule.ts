import { CRON_FIELDS, cronDescriptorProblem, cronFieldProblem, type CronField } from '../core/cron-schedule';

/** The fields of a CNPG schedule, seconds first. */
const FIELDS: readonly CronField[] = [CRON_FIELDS.second, CRON_FIELDS.minute, CRON_FIELDS.hour, CRON_FIELDS.dayOfMonth, CRON_FIELDS.month, CRON_FIELDS.dayOfWeek];

/** The form a ScheduledBackup's schedule has, for messages. */
export const BACKUP_SCHEDULE_FORM = 'CNPG schedules have six, seconds first: "<second> <minute> <hour> <day of month> <month> <day of week>", e.g. "0 0 2 * * *" for 02:00 daily';

/**
 * CNPG's schedule syntax: github.com/robfig/cron (v1) `cron.Parse`, used by the ScheduledBackup
 * webhook, with six fields, seconds first (ScheduledBackup CRD: "includes an additional seconds
 * specifier"). robfig's parser also takes five fields with a meaning shifted by one (the webhook
 * only warns), so a Kubernetes-style "0 2 * * *" would run at minute 2 of every hour: refused here.
 * Fields and descriptors are read as a CronJob's are (lib/core/cron-schedule.ts).
 */
export function checkBackupSchedule(schedule: string): string | undefined {
  const trimmed = schedule.trim();
  if (trimmed.startsWith('@')) return cronDescriptorProblem(trimmed);
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 6) {
    const hint = fields.length === 5 ? ` (a Kubernetes CronJob schedule; prepend the seconds: "0 ${trimmed}")` : '';
    return `has ${fields.length} fields; ${BACKUP_SCHEDULE_FORM}${hint}`;
  }
  for (let i = 0; i < 6; i++) {
    const problem = cronFieldProblem(fields[i], FIELDS[i]);
    if (problem) return `has an invalid ${FIELDS[i].label} field "${fields[i]}": ${problem}`;
  }
  return undefined;
}
