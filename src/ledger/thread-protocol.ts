/** The messages between the run's thread and the ledger's (thread-ledger.ts, ledger-thread.ts). */

/**
 * Items of an iterable (outcomes, before-images…) sent a message at a time. It divides the SQLite ledger's keyset
 * page (1,000), so a chunk never reads the next page ahead of the consumer: a page is read when the consumer asks for
 * its first item, as it is on one thread, and sees every write posted before that.
 */
export const ITERATE_CHUNK = 500

export type LedgerRequest =
  | { kind: 'call'; id: number; method: string; args: unknown[] }
  | { kind: 'iterate'; id: number; method: string; args: unknown[] }
  | { kind: 'next'; id: number }
  | { kind: 'return'; id: number }
  | { kind: 'close'; id: number }

/** An error as it crosses: its class by name, its message and stack, and its own fields (a ConfigError's issues). */
export interface SentError {
  name: string
  message: string
  stack?: string
  props: Record<string, unknown>
}

export type LedgerReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: true; items: unknown[]; done: boolean }
  | { id: number; ok: false; error: SentError }
