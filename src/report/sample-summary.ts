import type { SampleSummary } from '../run/sample.ts'

/**
 * One line for people: what the rehearsal holds per class. Pure.
 *
 * @example
 * describeSample(summary) // 'Rehearsal: 20 Accounts (roots, spread over 2000) + 37 Contacts of theirs + 3 Accounts they link to = 60 records'
 */
export function describeSample(sample: SampleSummary): string {
  type Counts = SampleSummary['entities'][number]
  const parts = (pick: (e: Counts) => number) =>
    sample.entities.filter((e) => pick(e) > 0).map((e) => `${pick(e)} ${e.entity}`)
  const roots = sample.entities.find((e) => e.entity === sample.rootEntity)?.roots ?? 0
  const children = parts((e) => e.children)
  const parents = parts((e) => e.parents)
  const total = sample.entities.reduce((sum, e) => sum + e.roots + e.children + e.parents, 0)
  return (
    `Rehearsal: ${roots} ${sample.rootEntity} (roots, spread over ${sample.rootCandidates})` +
    (children.length > 0 ? ` + ${children.join(', ')} of theirs` : '') +
    (parents.length > 0 ? ` + ${parents.join(', ')} they link to` : '') +
    ` = ${total} records`
  )
}
