// When a syslog record counts as delivered: by bytes sent after it, or by time on a connection that stays up.
import { describe, expect, it } from 'vitest';
import { DeliveryWindow } from '../../../src/pipeline/delivery/delivery-window';

/** Adds 100-byte records as a sender does (one always goes when none is unconfirmed); returns how many. */
function fill(window: DeliveryWindow): number {
  let sent = 0;
  while ((window.room() >= 100 || window.unconfirmed === 0) && sent < 10_000) {
    window.add([Buffer.alloc(100)]);
    sent++;
  }
  return sent;
}

describe('DeliveryWindow', () => {
  it('confirms by bytes on a fast connection, without waiting for the time rule', () => {
    // 1,000 bytes after a record confirm it; the time rule (a minute) never fires here.
    const window = new DeliveryWindow(1000, 60_000);
    const sent = fill(window);
    // Room for more than the byte rule's distance, or nothing could ever be confirmed by bytes.
    expect(sent).toBeGreaterThan(10);
    const confirmed = window.settle(0, Date.now());
    expect(confirmed).toBe(sent - 10);
    // And the window keeps moving: room again for as many as were confirmed.
    expect(fill(window)).toBe(confirmed);
  });

  it('halves what may be in flight after a connection lost with records unconfirmed, down to one record', () => {
    const window = new DeliveryWindow(1000, 60_000);
    fill(window);
    window.lost();
    expect(window.window).toBe(1000);
    for (let i = 0; i < 20; i++) {
      fill(window);
      window.lost();
    }
    expect(window.window).toBe(1);
    // With nothing unconfirmed, one record may always go.
    expect(window.room()).toBeGreaterThanOrEqual(1);
  });

  it('confirms by time what the kernel took `after` ms ago on a connection still up', () => {
    const window = new DeliveryWindow(1000, 2000);
    window.add([Buffer.alloc(100), Buffer.alloc(100)]);
    expect(window.settle(0, 10_000)).toBe(0);
    expect(window.settle(0, 12_000)).toBe(2);
  });
});
