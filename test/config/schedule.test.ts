// Schedules as the docs describe them: the cron forms, @every, and daylight-saving transitions.
import { describe, expect, it } from 'vitest';
import { nextRun, parseSchedule } from '../../src/config/schedule';

const runs = (text: string, timezone: string, from: string, n: number) => {
  const schedule = parseSchedule(text, timezone);
  const out: string[] = [];
  for (let at = Date.parse(from), i = 0; i < n; i++) out.push(new Date((at = nextRun(schedule, at, Date.parse(from))!)).toISOString());
  return out;
};

describe('schedules', () => {
  it('reads 5 fields, 6 with seconds, nicknames and @every', () => {
    expect(runs('0 3 * * *', 'UTC', '2027-01-01T00:00:00Z', 2)).toEqual(['2027-01-01T03:00:00.000Z', '2027-01-02T03:00:00.000Z']);
    expect(runs('*/10 * * * * *', 'UTC', '2027-01-01T00:00:00Z', 2)).toEqual(['2027-01-01T00:00:10.000Z', '2027-01-01T00:00:20.000Z']);
    expect(runs('@hourly', 'UTC', '2027-01-01T00:30:00Z', 1)).toEqual(['2027-01-01T01:00:00.000Z']);
    expect(runs('@every 10m', 'UTC', '2027-01-01T00:00:00Z', 2)).toEqual(['2027-01-01T00:10:00.000Z', '2027-01-01T00:20:00.000Z']);
  });

  it('in Europe/Berlin: a time skipped in spring runs at the first time after the gap; one repeated in autumn runs once', () => {
    // 2027-03-28: 02:00 CET becomes 03:00 CEST, so 02:30 does not exist that day.
    expect(runs('30 2 * * *', 'Europe/Berlin', '2027-03-27T12:00:00Z', 2)).toEqual(['2027-03-28T01:00:00.000Z', '2027-03-29T00:30:00.000Z']);
    // 2027-10-31: 03:00 CEST becomes 02:00 CET, so 02:30 happens twice: it runs at the first.
    expect(runs('30 2 * * *', 'Europe/Berlin', '2027-10-30T12:00:00Z', 2)).toEqual(['2027-10-31T00:30:00.000Z', '2027-11-01T01:30:00.000Z']);
    // An hourly schedule runs every real hour through the change.
    expect(runs('0 * * * *', 'Europe/Berlin', '2027-10-30T23:30:00Z', 3)).toEqual([
      '2027-10-31T00:00:00.000Z',
      '2027-10-31T01:00:00.000Z',
      '2027-10-31T02:00:00.000Z',
    ]);
  });

  it('names the column of a mistake', () => {
    const column = (text: string) => {
      try {
        parseSchedule(text, 'UTC');
      } catch (error) {
        return [(error as Error & { column: number }).column, (error as Error).message];
      }
      return undefined;
    };
    expect(column('0 61 * * *')).toEqual([3, 'invalid hour "61" (Invalid value for hour: 61)']);
    expect(column('*/5 * * * MON-XYZ')).toSatisfy((r: unknown) => Array.isArray(r) && r[0] === 11);
    expect(column('0 3 * *')?.[1]).toBe('expected 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), got 4');
    expect(column('@every 0s')?.[0]).toBe(8);
    expect(column('@fortnightly')?.[0]).toBe(1);
  });
});
