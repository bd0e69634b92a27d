import type { EntityMap } from '../mapping/types.ts'

/** Dataverse's participationtypemask values an e-mail uses. */
export const SENDER = 1
export const TO_RECIPIENT = 2

/** Tables a party may point at (activityparty.partyid), by entity set → the navigation property that binds it. */
const PARTY_NAVS: Readonly<Record<string, string>> = {
  accounts: 'partyid_account',
  contacts: 'partyid_contact',
  leads: 'partyid_lead',
  systemusers: 'partyid_systemuser',
}

/**
 * An e-mail's sender and recipient as activity parties (`email_activity_parties`), from what the row binds: its owner
 * (the X2CRM user who sent or received it) and the record it is about (a contact, account or lead). A sent e-mail is
 * from the owner to the record, a received one the other way. None when the map gives the table no parties, and
 * only the sides that are bound. Pure.
 */
export function activityParties(
  entityMap: Pick<EntityMap, 'parties' | 'table'>,
  row: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const parties = entityMap.parties
  if (parties === undefined) return {}
  const items: Record<string, unknown>[] = []
  for (const [key, bind] of Object.entries(row)) {
    if (!key.endsWith('@odata.bind') || typeof bind !== 'string') continue
    const set = /^\/(\w+)\(/.exec(bind)?.[1] ?? ''
    const nav = PARTY_NAVS[set]
    if (nav === undefined) continue
    const isOwner = key === 'ownerid@odata.bind'
    const isRegarding = key.startsWith('regardingobjectid_')
    if (!isOwner && !isRegarding) continue
    items.push({
      [`${nav}@odata.bind`]: bind,
      participationtypemask: isOwner ? parties.owner : parties.regarding,
    })
  }
  return items.length === 0 ? {} : { [`${entityMap.table.logicalName}_activity_parties`]: items }
}
