import { checkBackupSchedule } from '../../lib/cnpg/backup-schedule';
import { cronJobNameProblem, cronJobScheduleProblem, timeZoneProblem } from '../../lib/core/cron-schedule';

/*
 * A CronJob's schedule as the API server reads it (robfig/cron v3 ParseStandard, kubernetes
 * pkg/apis/batch/validation), beside CloudNativePG's six-field form that shares its field syntax.
 */
describe('CronJob schedules', () => {
  test.each([
    '0 2 * * *', '*/15 * * * *', '0 0 1,15 * *', '30 4 * * MON-FRI', '0 9 * JAN,jul sun', '0 0 * * ?', '5/10 * * * *',
    '0 0 1 */3 *', '1,,2 * * * *', '@hourly', '@daily', '@midnight', '@weekly', '@monthly', '@yearly', '@annually', '@every 1h30m', '@every 90s',
    '0\t2 * * *',
  ])('accepts %j', (schedule) => {
    expect(cronJobScheduleProblem(schedule)).toBeUndefined();
  });

  test.each([
    ['', /^is empty; a Kubernetes CronJob schedule has five fields/],
    ['0 0 2 * * *', /^has 6 fields: a Kubernetes CronJob schedule has five fields, "<minute> <hour> <day of month> <month> <day of week>".*; six fields with seconds first is CloudNativePG's ScheduledBackup form: drop the seconds \("0 2 \* \* \*"\)$/],
    ['0 2 * *', /^has 4 fields: a Kubernetes CronJob schedule has five fields/],
    ['60 * * * *', /^has an invalid minute field "60": 60 is outside 0-59/],
    ['0 24 * * *', /invalid hour field "24": 24 is outside 0-23/],
    ['0 0 0 * *', /invalid day of month field "0": 0 is outside 1-31/],
    ['0 0 * 13 *', /invalid month field "13"/],
    ['0 0 * * 7', /invalid day of week field "7": 7 is outside 0-6/],
    ['0 0 * * FUNDAY', /"FUNDAY" is not a number or name \(SUN, MON/],
    ['0 5-2 * * *', /range 5-2 runs backwards/],
    ['*/0 * * * *', /step "0" must be a positive number/],
    ['1/2/3 * * * *', /has more than one "\/"/],
    ['@fortnightly', /^is not a cron descriptor; use @yearly.*\(a Kubernetes CronJob schedule has five fields/],
    ['@every tuesday', /"tuesday" is not a duration/],
    ['CRON_TZ=Europe/Berlin 0 2 * * *', /names a time zone \(TZ or CRON_TZ\), which the API server refuses in a CronJob schedule; remove it and set spec.timeZone/],
  ])('refuses %j, saying which form a CronJob needs', (schedule, message) => {
    expect(cronJobScheduleProblem(schedule)).toMatch(message);
  });

  test('the two forms are told apart both ways: each says what the other object needs', () => {
    expect(cronJobScheduleProblem('0 0 2 * * *')).toMatch(/drop the seconds/);
    expect(checkBackupSchedule('0 2 * * *')).toMatch(/a Kubernetes CronJob schedule; prepend the seconds: "0 0 2 \* \* \*"/);
    expect(cronJobScheduleProblem('0 2 * * *')).toBeUndefined();
    expect(checkBackupSchedule('0 0 2 * * *')).toBeUndefined();
  });
});

describe('CronJob time zones (validateTimeZone: IANA names time.LoadLocation finds)', () => {
  test.each(['Etc/UTC', 'UTC', 'Europe/Berlin', 'America/New_York', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5', 'US/Eastern'])('accepts %s', (zone) => {
    expect(timeZoneProblem(zone)).toBeUndefined();
  });

  test.each([
    ['', /^is empty/],
    ['Local', /^is "Local", which the API server refuses/],
    ['Mars/Olympus_Mons', /"Mars\/Olympus_Mons" is not in the IANA time zone database; use an IANA time zone such as "Etc\/UTC"/],
    ['europe/berlin', /"europe\/berlin" is not a time zone name/],
    ['Europe/../Berlin', /is not a time zone name/],
    ['America/Argentina_Buenos_Aires_Long', /is not a time zone name/],
    ['Europe Berlin', /is not a time zone name/],
  ])('refuses %j', (zone, message) => {
    expect(timeZoneProblem(zone)).toMatch(message);
  });
});

test('a CronJob name has at most 52 characters: its Jobs add an 11-character suffix', () => {
  expect(cronJobNameProblem('a'.repeat(52))).toBeUndefined();
  expect(cronJobNameProblem('a'.repeat(53))).toMatch(/has 53 characters; the API server refuses a CronJob name longer than 52/);
});
