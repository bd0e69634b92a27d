import type { TeamDecision, TeamRow } from '../mapping/match-teams.ts'

/**
 * `x2d365 users`: what becomes of each X2CRM group (its Dataverse team, one to create, or why none), and the teams
 * that can own records, which `settings.teams.names` in mapping.yaml may name. Pure.
 */
export function describeTeams(decisions: readonly TeamDecision[], teams: readonly TeamRow[]): string[] {
  const lines: string[] = []
  if (decisions.length > 0) {
    lines.push('X2CRM groups → Dataverse teams (records assigned to a group are owned by its team):')
    for (const d of decisions) {
      const what =
        d.status === 'matched'
          ? `team "${d.team}" (${d.teamId})`
          : d.status === 'create'
            ? `team "${d.team}", created by migrate`
            : `no team: ${d.reason}`
      lines.push(`  ${d.group} (group ${d.groupId}) → ${what}`)
    }
  }
  const owning = teams.filter((t) => t.teamtype !== 1)
  if (owning.length > 0) {
    lines.push('Dataverse teams that can own records:')
    for (const t of owning)
      lines.push(`  ${t.name} (${t.teamtype === 0 ? 'owner team' : 'Entra ID group team'})`)
  }
  return lines
}
