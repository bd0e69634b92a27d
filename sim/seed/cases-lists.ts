import type { X2crmRecord } from '../../src/source/x2crm/types.ts'
import { createRandom, type Random } from './random.ts'

/** One member of a static X2CRM list (`x2_list_items`): a contact, or only an e-mail address. */
export interface GeneratedListItem {
  listId: number
  contactId: number | null
  emailAddress: string | null
}

/** What {@link addCasesListsTags} added, besides the records and tags it put in the dataset. */
export interface CasesListsExtras {
  /** Static lists' members: X2CRM keeps them only in its database, so API v2 (and the simulator) does not serve them. */
  listItems: GeneratedListItem[]
}

type Row = Record<string, unknown>

/** X2CRM's case statuses (dropdown 109): most open, about 30% resolved, 8% closed without an answer. */
const OPEN_STATUSES = ['New', 'WIP', 'Waiting for response', 'Escalated', 'Needs more info']
const ISSUES: readonly [string, string, string][] = [
  ['Hardware', 'Laptop', 'Laptop will not boot'],
  ['Software', 'MS Office', 'Office install fails'],
  ['Internet Connection', 'WiFi', 'WiFi drops every hour'],
  ['General Request', 'Lost Password', 'Password reset request'],
  ['LMS', 'Class Access', 'Cannot access class portal'],
]
const IMPACTS = ['1 - Severe', '2 - Critical', '3 - Moderate', '4 - Minor']
const ORIGINS = ['Email', 'Web', 'Phone']
/** Tags as users write them, non-ASCII included (the fixture has `#München` and `#大客户`). */
const CONTACT_TAGS = ['#vip', '#hot', '#q4', '#partner', '#churn-risk', '#referral', '#München', '#大客户']
const ACCOUNT_TAGS = ['#key-account', '#prospect', '#reseller']
/** Labelled relationships users draw between records (X2CRM's own, from link fields, have no labels). */
const LABELS: readonly [string, string][] = [
  ['Consultant', 'Client'],
  ['Decision maker', 'Customer'],
  ['Colleague', 'Colleague'],
]

/**
 * Adds to a generated dataset what a CRM that has been used for a while holds beside accounts and contacts: cases
 * (about one per 10 contacts, ids from 1000 as X2CRM numbers them, 30% resolved and 8% closed without response, one
 * in 20 without a contact, one in 10 the child of an earlier case), marketing lists (one per 500 contacts, at least
 * two; the last dynamic) with 5–60 members each (one in 15 known only by e-mail), tags on 20% of contacts and 10% of
 * accounts, and labelled relationships on 5% of contacts. Its own random stream: the accounts and contacts stay as
 * they were.
 */
export function addCasesListsTags(
  dataset: {
    records: Record<string, X2crmRecord[]>
    tags?: Record<string, Record<string, string[]>>
    relationships?: Record<string, unknown>[]
  },
  options: { seed: number; owners: readonly string[]; firstDate: number; lastDate: number },
): CasesListsExtras {
  const random = createRandom(options.seed ^ 0x5eed_ca5e)
  const contacts = dataset.records['Contacts'] ?? []
  const accounts = dataset.records['Accounts'] ?? []
  const relationships = (dataset.relationships ??= [])
  const relate = (first: [string, number, string | null], second: [string, number, string | null]) =>
    relationships.push({
      id: relationships.length + 1,
      firstType: first[0],
      firstId: first[1],
      firstLabel: first[2],
      secondType: second[0],
      secondId: second[1],
      secondLabel: second[2],
    })
  const owner = () => (options.owners.length > 0 ? random.pick(options.owners) : 'Anyone')
  const date = () => random.int(options.firstDate, options.lastDate - 86400)

  const cases: Row[] = []
  const caseCount = contacts.length === 0 ? 0 : Math.max(1, Math.round(contacts.length / 10))
  for (let n = 0; n < caseCount; n++) {
    const id = 1000 + n
    const [mainIssue, subIssue, subject] = random.pick(ISSUES)
    const roll = random.next()
    const status =
      roll < 0.3 ? 'Closed - Resolved' : roll < 0.38 ? 'Closed - No Response' : random.pick(OPEN_STATUSES)
    // Every 20th case lost its contact (deleted since, or never set): Dataverse needs a customer.
    const contact = n % 20 === 19 ? undefined : random.pick(contacts)
    const parent = cases.length > 0 && random.chance(0.1) ? random.pick(cases) : undefined
    const created = date()
    const updated = random.int(created, options.lastDate)
    cases.push({
      id,
      createDate: created,
      lastUpdated: updated,
      updatedBy: 'admin',
      description: `Customer reports: ${subject}`,
      contactId: contact === undefined ? null : String(contact['nameId']),
      assignedTo: owner(),
      name: String(id),
      nameId: `${id}_${id}`,
      impact: random.pick(IMPACTS),
      status,
      subject,
      email: contact === undefined ? null : (contact['email'] ?? null),
      mainIssue,
      nextAction: null,
      resolution:
        status === 'Closed - Resolved' && random.chance(0.5) ? `Fixed: ${subject.toLowerCase()}` : null,
      subIssue,
      origin: random.pick(ORIGINS),
      escalatedTo: null,
      lastActivity: updated,
      parentCase: parent === undefined ? null : String(parent['nameId']),
    })
    if (contact !== undefined) relate(['Services', id, null], ['Contacts', Number(contact['id']), null])
  }
  dataset.records['Services'] = cases

  const lists: Row[] = []
  const listItems: GeneratedListItem[] = []
  const listCount = contacts.length === 0 ? 0 : Math.max(2, Math.round(contacts.length / 500))
  for (let id = 1; id <= listCount; id++) {
    const dynamic = id === listCount
    const name = dynamic ? `Dynamic list ${id}` : `Newsletter ${id}`
    const created = date()
    lists.push({
      id,
      assignedTo: owner(),
      name,
      nameId: `${name}_${id}`,
      description: dynamic ? 'Contacts matching a rule' : `Static list for newsletter ${id}`,
      type: dynamic ? 'dynamic' : 'static',
      logicType: 'AND',
      modelName: 'Contacts',
      visibility: 1,
      count: 0,
      createDate: created,
      lastUpdated: random.int(created, options.lastDate),
    })
    if (dynamic) continue
    const members = new Set<number>()
    const size = Math.min(contacts.length, random.int(5, 60))
    while (members.size < size) members.add(Number(random.pick(contacts)['id']))
    for (const contactId of [...members].sort((a, b) => a - b)) {
      if (random.chance(1 / 15))
        listItems.push({ listId: id, contactId: null, emailAddress: `reader${contactId}@mail.example` })
      else listItems.push({ listId: id, contactId, emailAddress: null })
    }
    const list = lists[lists.length - 1]
    if (list !== undefined) list['count'] = size
  }
  dataset.records['X2List'] = lists

  const tags = (dataset.tags ??= {})
  tagSome(random, tags, 'Contacts', contacts, 0.2, CONTACT_TAGS)
  tagSome(random, tags, 'Accounts', accounts, 0.1, ACCOUNT_TAGS)

  for (const contact of contacts) {
    if (!random.chance(0.05)) continue
    const [first, second] = random.pick(LABELS)
    const other =
      first === 'Colleague' ? random.pick(contacts) : random.pick(accounts.length > 0 ? accounts : contacts)
    const otherType = first === 'Colleague' || accounts.length === 0 ? 'Contacts' : 'Accounts'
    if (otherType === 'Contacts' && other['id'] === contact['id']) continue
    relate(['Contacts', Number(contact['id']), first], [otherType, Number(other['id']), second])
  }
  return { listItems }
}

function tagSome(
  random: Random,
  tags: Record<string, Record<string, string[]>>,
  entity: string,
  records: readonly X2crmRecord[],
  share: number,
  vocabulary: readonly string[],
): void {
  const ofClass = (tags[entity] ??= {})
  for (const record of records) {
    if (!random.chance(share)) continue
    const chosen = new Set([random.pick(vocabulary)])
    if (random.chance(0.3)) chosen.add(random.pick(vocabulary))
    ofClass[String(record['id'])] = [...chosen]
  }
}
