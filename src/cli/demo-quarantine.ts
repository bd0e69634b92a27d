import type { RunLedger } from '../ledger/ledger.ts'
import { createRuleGroups, type RuleGroup } from '../report/rule-groups.ts'

/** Reasons the demo prints after its first run; the report lists them all. */
const TOP_REASONS = 8

/** What a run quarantined, by rule: how many records, the largest rules first (bounded, see rule-groups.ts). */
export interface QuarantineReasons {
  total: number
  groups: RuleGroup[]
}

/** The run's quarantined records grouped by the rule they broke, whatever their values. */
export async function quarantineReasons(
  ledger: Pick<RunLedger, 'outcomes'>,
  runId: string,
): Promise<QuarantineReasons> {
  const groups = createRuleGroups()
  for await (const outcome of ledger.outcomes(runId))
    if (outcome.status === 'quarantined')
      groups.add(outcome.phase, outcome.reason ?? 'no reason recorded', outcome.sourceKey)
  return { total: groups.total(), groups: groups.groups() }
}

/** `  41  Contacts  email: … is not a valid e-mail address (e.g. Contacts:12)` per rule, the largest first. Pure. */
export function formatQuarantineReasons(reasons: QuarantineReasons, top = TOP_REASONS): string {
  if (reasons.total === 0) return 'Quarantine: nothing quarantined.\n'
  const shown = reasons.groups.slice(0, top)
  const lines = shown.map((g) => {
    const rule = g.field === '' ? g.rule : `${g.field}: ${g.rule}`
    const example = g.examples[0]?.sourceKey
    return `  ${String(g.count).padStart(5)}  ${g.phase.padEnd(24)} ${rule}${example === undefined ? '' : ` (e.g. ${example})`}`
  })
  const rest = reasons.groups.slice(top).reduce((n, g) => n + g.count, 0)
  if (rest > 0) lines.push(`  ${String(rest).padStart(5)}  for ${reasons.groups.length - top} other reasons`)
  return `Quarantine: ${reasons.total} records, and why (quarantine.csv in the report lists every one):\n${lines.join('\n')}\n`
}
