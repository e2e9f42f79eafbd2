// Reading RFC 5424 and RFC 3164 messages as senders other than util-linux's logger write them.
import { describe, expect, it } from 'vitest';
import { parseSyslog } from '../../../src/pipeline/inputs/syslog-parse';

describe('parseSyslog', () => {
  it('reads RFC 5424 with NIL values, escaped structured data and a BOM before MSG', () => {
    const parts = parseSyslog(
      '<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 [exampleSDID@32473 iut="3" eventSource="App\\"lication\\]"][x@1 y="z"] \uFEFF\'su root\' failed',
    );
    expect(parts).toMatchObject({
      severity: 2,
      facility: 'auth',
      hostname: 'mymachine.example.com',
      appName: 'su',
      procId: '',
      msg: "'su root' failed",
      timestamp: Date.parse('2003-10-11T22:14:15.003Z'),
    });
    expect(parts.fields).toEqual({ msgid: 'ID47', 'exampleSDID@32473.iut': '3', 'exampleSDID@32473.eventSource': 'App"lication]', 'x@1.y': 'z' });
    expect(parts.malformed).toBeUndefined();
  });

  it('reads RFC 3164 with and without HOSTNAME, with and without [PID]', () => {
    expect(parseSyslog('<13>Feb  5 17:32:18 10.0.0.99 myapp[123]: Use the BFG!')).toMatchObject({
      hostname: '10.0.0.99',
      appName: 'myapp',
      procId: '123',
      msg: 'Use the BFG!',
      severity: 5,
      facility: 'user',
    });
    expect(parseSyslog('<30>Feb  5 17:32:18 haproxy[77]: 127.0.0.1:5432 [05/Feb] fe be/srv')).toMatchObject({
      hostname: '',
      appName: 'haproxy',
      procId: '77',
      msg: '127.0.0.1:5432 [05/Feb] fe be/srv',
      facility: 'daemon',
    });
    expect(parseSyslog('<13>Feb  5 17:32:18 host cron: job done')).toMatchObject({ hostname: 'host', appName: 'cron', msg: 'job done' });
    const date = new Date(parseSyslog('<13>Feb  5 17:32:18 host cron: x').timestamp!);
    expect([date.getMonth(), date.getDate(), date.getHours(), date.getMinutes(), date.getSeconds()]).toEqual([1, 5, 17, 32, 18]);
  });

  it('marks what it cannot read, keeping the whole text as MSG', () => {
    for (const [text, reason] of [
      ['no pri', /PRI/],
      ['<192>1 - - - - - - too large a PRI', /PRI/],
      ['<13>1 yesterday host app - - - msg', /TIMESTAMP "yesterday"/],
      ['<13>1 - host app - - [unterminated x="1" msg', /STRUCTURED-DATA/],
      ['<13>1 - host', /RFC 5424 header/],
    ] as const) {
      const parts = parseSyslog(text);
      expect(parts.malformed, text).toMatch(reason);
      expect(parts.msg).toBe(text);
    }
  });
});
