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
