import type { DeferReason, DeferredLink, LoadPlan, PhaseWait, PlannedPhase } from './plan-load.ts'

/** A phase as `x2d365 plan --json` prints it: the plan's data without the entity map it loads through. */
export type PhaseJson = Omit<PlannedPhase, 'entityMap'>

/** The plan as `x2d365 plan --json` prints it. */
export interface LoadPlanJson extends Omit<LoadPlan, 'phases'> {
  phases: PhaseJson[]
}

/** The plan without the entity maps (their fields are the map file's business): what a person or a script reads. Pure. */
export function planToJson(plan: LoadPlan): LoadPlanJson {
  return {
    phases: plan.phases.map(({ entityMap: _map, ...phase }) => phase),
    passes: plan.passes,
    deferred: plan.deferred,
    cycles: plan.cycles,
  }
}

const PASS_TITLE = {
  1: 'Pass 1: each record, with the links whose parents are loaded already',
  2: 'Pass 2: the links that had to wait, set on the rows of pass 1',
} as const

/**
 * The plan as text: the phases in order, pass by pass, each with its table and what it waits for; then the links
 * that wait for pass 2 and why; then any cycle. Pure.
 * @example
 * Pass 1: each record, with the links whose parents are loaded already
 *   1. Accounts → account (accounts)
 *   2. Contacts → contact (contacts)
 *        waits for Accounts (company)
 */
export function formatPlan(plan: LoadPlan): string {
  const classes = new Set(plan.phases.map((p) => p.entity)).size
  const lines = [
    `Load plan: ${count(plan.phases.length, 'phase')} in ${count(plan.passes.length, 'pass', 'passes')}, ` +
      `${count(classes, 'X2CRM class', 'X2CRM classes')}.`,
  ]
  let number = 0
  for (const pass of plan.passes) {
    lines.push('', PASS_TITLE[pass.pass])
    for (const name of pass.phases) {
      const phase = plan.phases.find((p) => p.name === name)
      if (phase === undefined) continue
      number++
      lines.push(
        `  ${number}. ${phase.name} → ${phase.table.logicalName} (${phase.table.entitySet})${splitNote(phase)}`,
      )
      if (phase.waitsFor.length > 0) {
        const verb = phase.pass === 1 ? 'waits for' : 'sets'
        lines.push(`       ${verb} ${phase.waitsFor.map((w) => describeWait(w, phase.pass)).join(', ')}`)
      }
    }
  }
  if (plan.deferred.length > 0) {
    lines.push('', 'Links set in pass 2, and why:')
    for (const link of plan.deferred) lines.push(`  ${describeDeferred(link)}`)
  }
  if (plan.cycles.length > 0) {
    lines.push('', 'Cycles of first-pass links (no order loads them; set `pass: 2` on one link of each):')
    for (const cycle of plan.cycles) lines.push(`  ${cycle.join(' → ')}`)
  }
  return `${lines.join('\n')}\n`
}

function splitNote(phase: PlannedPhase): string {
  if (phase.records === 'all') return ''
  const others = (phase.split ?? []).filter((name) => name !== phase.name && name !== phase.linksOf)
  const shared = others.length === 0 ? '' : `; the rest go to ${others.join(', ')}`
  return phase.records === 'matching'
    ? `, the records the split rule takes${shared}`
    : `, the records the split rule leaves${shared}`
}

/** Pass 1: `Accounts (company)`; pass 2: `primaryContact → Contacts`. */
function describeWait(wait: PhaseWait, pass: 1 | 2): string {
  const parent = wait.phases.length > 0 ? wait.phases.join(' + ') : `${wait.parent} (not in the map)`
  return pass === 1 ? `${parent} (${wait.field})` : `${wait.field} → ${parent}`
}

function describeDeferred(link: DeferredLink): string {
  return `${link.phase}.${link.field} → ${link.parent} (${link.nav}): ${describeReason(link, link.reason)}`
}

function describeReason(link: DeferredLink, reason: DeferReason): string {
  switch (reason.type) {
    case 'self-reference':
      return `a record of the same class, which may load later in the same phase`
    case 'cycle':
      return `in pass 1 it would close the cycle ${reason.cycle.join(' → ')}`
    case 'chosen':
      return reason.parentLoads === 'before'
        ? `the map sets \`pass: 2\`; ${link.parent} loads first, so pass 1 could set it`
        : `the map sets \`pass: 2\`; ${link.parent} loads later, and in pass 1 would load first without a cycle`
  }
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`
}
