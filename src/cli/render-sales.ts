import type { RunEvent } from '../run/events.ts'
import type { TeamsReport } from '../run/teams.ts'

/** The lines the sales and teams events print (products, price lists, quotes, teams), or none for other events. Pure. */
export function salesLines(event: RunEvent): string[] {
  if (event.type === 'sales.catalog') {
    const lists = event.priceLists.map((l) => `${l.currency}${l.created ? ' (created)' : ''}`).join(', ')
    return [
      `Sales catalog: unit group ${event.unitGroup.created ? 'created' : 'found'}, price lists ${lists || 'none'}` +
        (event.missingCurrencies.length > 0
          ? `; no Dataverse currency for ${event.missingCurrencies.join(', ')} (add it under Settings → Currencies): those rows load without a price list`
          : ''),
    ]
  }
  if (event.type === 'sales.finished') {
    return [
      `Products: ${event.published} published, ${event.retired} retired; quotes: ${event.activated} activated, ` +
        `${event.won} won, ${event.closed} closed` +
        (event.failed.length > 0 ? `; ${event.failed.length} refused: ${event.failed[0]?.reason ?? ''}` : ''),
    ]
  }
  if (event.type === 'teams.prepared') {
    const matched = event.decisions.filter((d) => d.status === 'matched').length
    const left = event.decisions.filter((d) => d.status === 'unresolved')
    return [
      `Teams: ${matched} X2CRM groups matched to Dataverse teams, ${event.created} created, ${event.membersAdded} members added` +
        (event.membersRead ? '' : ' (membership needs source.mysql)') +
        (left.length > 0
          ? `; ${left.length} without a team (their records go to the users rule): ${left.map((d) => d.group).join(', ')}`
          : ''),
    ]
  }
  return []
}

/**
 * What `schema apply` says of the owner teams: each X2CRM group's team (found by name, created, or why none), then
 * the members added; with `dryRun`, what it would create. Pure.
 */
export function teamLines(report: TeamsReport, dryRun: boolean): string[] {
  if (report.decisions.length === 0) return ['Teams: X2CRM has no groups; no team to create.']
  const lines = report.decisions.map((d) => {
    const group = `X2CRM group "${d.group}" (id ${d.groupId})`
    if (d.status === 'matched') return `${group}: owner team "${d.team}" found by name`
    if (d.status === 'create')
      return `${dryRun ? 'would create' : 'created'} owner team "${d.team}" for ${group}`
    return `${group}: no team (${d.reason})`
  })
  if (dryRun)
    return [...lines, 'would add the members of each team that have Dataverse users (AddMembersTeam)']
  return [
    ...lines,
    `Teams: ${report.created} created, ${report.membersAdded} members added` +
      (report.membersRead ? '' : ' (membership needs source.mysql)') +
      (report.membersLeft.length > 0
        ? `, ${report.membersLeft.length} members without a Dataverse user`
        : ''),
  ]
}
