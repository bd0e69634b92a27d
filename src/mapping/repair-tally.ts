import type { SourceKey } from '../domain/source-key.ts'

/** What a named repair did, counted: how many records, and a few of them with the warning that says what it did. */
export type RepairCounts = Record<
  string,
  { count: number; examples: { sourceKey: SourceKey; detail: string }[] }
>

export interface RepairTally {
  /** Counts the repairs among one record's warnings (`company: repair linkByName: …`). */
  add(sourceKey: SourceKey, warnings: readonly string[]): void
  repairs(): RepairCounts
}

const REPAIR = /^(?:[^:]*: )?repair ([A-Za-z]+): /

/** The repair a warning names (`linkByName`), or undefined for a warning that is no repair. Pure. */
export function repairOf(warning: string): string | undefined {
  return REPAIR.exec(warning)?.[1]
}

/**
 * Counts each named repair (every `repair <name>:` warning) with examples, for the Repairs sections of validate's and
 * the migration's reports. A repair that was tried and left the value empty ("…; not linked") counts too: the
 * examples say which. @param examples kept per repair, @default 5
 */
export function createRepairTally(examples = 5): RepairTally {
  const counts: RepairCounts = {}
  return {
    add(sourceKey, warnings) {
      for (const warning of warnings) {
        const name = repairOf(warning)
        if (name === undefined) continue
        const entry = (counts[name] ??= { count: 0, examples: [] })
        entry.count++
        if (entry.examples.length < examples) entry.examples.push({ sourceKey, detail: warning })
      }
    },
    repairs: () => counts,
  }
}
