import type { RunEvent } from '../run/events.ts'

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
