import type { PlannedPhase } from './plan-load.ts'

/**
 * The phases in run order, grouped by the read they share: consecutive phases of one pass that read the same class
 * (the tables of a class routed by type, Actions → task, phonecall, …; the two sides of a split, Contacts → lead and
 * → contact) form one group, whose class is read once and each record handed to the phases that take it. The plan
 * puts the phases of a class next to each other; two that are not adjacent stay apart (each reads the class), so the
 * order of the plan is never changed. Pure.
 */
export function sharedReads<P extends Pick<PlannedPhase, 'entity' | 'pass'>>(phases: readonly P[]): P[][] {
  const groups: P[][] = []
  for (const phase of phases) {
    const last = groups.at(-1)
    const previous = last?.at(-1)
    if (last !== undefined && previous?.entity === phase.entity && previous.pass === phase.pass)
      last.push(phase)
    else groups.push([phase])
  }
  return groups
}

/**
 * The groups of {@link sharedReads} in the waves they run in: each group of the first pass alone, in plan order (a
 * record's parents must be in before it binds to them), and the consecutive groups of the link pass together. By the
 * link pass every row exists, and each of its groups only updates the rows of its own tables (lookups, then states
 * last), so none waits for another: run together, the link pass takes as long as its longest group, not their sum.
 * Pure.
 */
export function waves<P extends Pick<PlannedPhase, 'pass'>>(groups: readonly (readonly P[])[]): P[][][] {
  const result: P[][][] = []
  for (const group of groups) {
    const last = result.at(-1)
    const together = group[0]?.pass === 2 && last?.[0]?.[0]?.pass === 2
    if (last !== undefined && together) last.push([...group])
    else result.push([[...group]])
  }
  return result
}
