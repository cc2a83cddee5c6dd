import { readdirSync, readFileSync } from 'node:fs';

/** `getconf CLK_TCK` on Linux (x64 and arm64 alike). */
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time (user + system) a process has used so far, in ms, from /proc; 0 once it is gone. */
export function processCpuMs(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are 14 and 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/**
 * CPU of every `postgres` process on this machine (the server and its backends, of every
 * database): the bench is the only user while it runs. A backend that ended between two
 * readings takes its time with it, so the bench keeps its pools open.
 */
export function postgresCpuMs(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') {
        total += processCpuMs(Number(entry));
      }
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/**
 * CPU per process charged to the side whose slice just ran: `charge(side)` after each slice
 * books what every process used since the last reading. What a slice leaves running (the
 * service's event delivery after its last request) lands on the next slice, whichever side.
 */
export class CpuLedger {
  private last: number[];
  private readonly booked = new Map<string, number[]>();

  constructor(private readonly processes: readonly { name: string; cpuMs: () => number }[]) {
    this.last = this.read();
  }

  /** A reading without booking it (after the warm-up). */
  reset(): void {
    this.last = this.read();
  }

  charge(side: string): void {
    const now = this.read();
    const booked = this.booked.get(side) ?? this.processes.map(() => 0);
    now.forEach((ms, i) => (booked[i] += ms - this.last[i]));
    this.booked.set(side, booked);
    this.last = now;
  }

  /** `name a.b ms` per process per request of the side, and their total. */
  perRequest(side: string, requests: number): string {
    const booked = this.booked.get(side) ?? [];
    const parts = this.processes.map(
      (p, i) => `${p.name} ${((booked[i] ?? 0) / Math.max(requests, 1)).toFixed(2)}`,
    );
    const total = booked.reduce((sum, ms) => sum + ms, 0) / Math.max(requests, 1);
    return `${parts.join(', ')}; total ${total.toFixed(2)} ms`;
  }

  private read(): number[] {
    return this.processes.map((p) => p.cpuMs());
  }
}
