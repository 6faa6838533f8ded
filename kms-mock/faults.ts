/** The failure modes kms-mock can play, for testing how a client copes. */
export const FAULT_MODES = ['down', 'slow', 'error', 'garbage', 'wrong-san', 'expired', 'wrong-key'] as const;
export type FaultMode = (typeof FAULT_MODES)[number];

export interface Fault {
  mode: FaultMode;
  /** Epoch ms when the fault ends by itself; null = until cleared. */
  until: number | null;
}

/** The fault in force, if any; expires by itself. */
export class FaultState {
  private fault: Fault | null = null;

  set(mode: FaultMode, seconds: number | undefined): Fault {
    this.fault = { mode, until: seconds && seconds > 0 ? Date.now() + seconds * 1000 : null };
    return this.fault;
  }

  clear(): void {
    this.fault = null;
  }

  current(): Fault | null {
    if (this.fault && this.fault.until !== null && Date.now() >= this.fault.until) this.fault = null;
    return this.fault;
  }

  /** Milliseconds until the fault ends (a `slow` answer waits this long), capped. */
  remainingMs(capMs: number): number {
    const f = this.current();
    if (!f) return 0;
    return f.until === null ? capMs : Math.min(capMs, Math.max(0, f.until - Date.now()));
  }
}

export function isFaultMode(s: unknown): s is FaultMode {
  return typeof s === 'string' && (FAULT_MODES as readonly string[]).includes(s);
}
