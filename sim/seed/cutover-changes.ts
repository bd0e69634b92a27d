import type { X2crmRecord } from '../../src/source/x2crm/types.ts'
import type { X2crmDataset, X2crmSimulator } from '../x2crm/index.ts'

export interface CutoverChanges {
  renamedAccounts: number[]
  /** Changed without moving lastUpdated, as X2CRM's tag, relationship and SQL write paths do. */
  quietlyChangedContacts: number[]
  deletedContacts: number[]
  deletedAccounts: number[]
  newAccounts: number[]
  newContacts: number[]
}

/**
 * What users do in X2CRM between the migration and the cutover, applied to a running simulator: a few accounts
 * renamed, contacts edited quietly, records deleted, new accounts with new contacts. Deterministic for a dataset.
 */
export function applyCutoverChanges(
  x2crm: Pick<X2crmSimulator, 'upsert' | 'remove'>,
  data: X2crmDataset,
  now: number,
): CutoverChanges {
  const accounts = visible(data.records['Accounts'] ?? [])
  const contacts = visible(data.records['Contacts'] ?? [])
  // `count` records spread over the list; `offset` 1 picks each one's neighbour, so two picks never collide.
  const spread = <T>(items: readonly T[], count: number, offset: number): T[] =>
    Array.from({ length: Math.min(count, Math.floor(items.length / 2)) }, (_, k) => {
      const at = Math.floor(((k + 0.5) * items.length) / count) + offset
      return items[Math.min(at, items.length - 1)]
    }).filter((item): item is T => item !== undefined)
  const changes: CutoverChanges = {
    renamedAccounts: [],
    quietlyChangedContacts: [],
    deletedContacts: [],
    deletedAccounts: [],
    newAccounts: [],
    newContacts: [],
  }
  for (const account of spread(accounts, 5, 0)) {
    x2crm.upsert('Accounts', { ...account, name: `${String(account['name'])} (renamed)`, lastUpdated: now })
    changes.renamedAccounts.push(Number(account['id']))
  }
  for (const contact of spread(contacts, 5, 0)) {
    x2crm.upsert('Contacts', { ...contact, title: 'Head of Cutover' })
    changes.quietlyChangedContacts.push(Number(contact['id']))
  }
  for (const contact of spread(contacts, 3, 1)) {
    x2crm.remove('Contacts', Number(contact['id']))
    changes.deletedContacts.push(Number(contact['id']))
  }
  for (const account of spread(accounts, 1, 1)) {
    x2crm.remove('Accounts', Number(account['id']))
    changes.deletedAccounts.push(Number(account['id']))
  }
  const template = { account: accounts[0], contact: contacts[0] }
  let nextAccount = maxId(data.records['Accounts'] ?? []) + 1
  let nextContact = maxId(data.records['Contacts'] ?? []) + 1
  for (const name of ['Northwind Cutover Ltd', 'Fabrikam Late Deal GmbH']) {
    const id = nextAccount++
    x2crm.upsert('Accounts', {
      ...template.account,
      id,
      name,
      nameId: `${name}_${id}`,
      parentAccount: null,
      primaryContact: null,
      website: null,
      email: null,
      phone: null,
      phone2: null,
      description: `${name} signed after the migration.`,
      createDate: now,
      lastUpdated: now,
    })
    changes.newAccounts.push(id)
    for (const [firstName, lastName] of [
      ['Ada', 'Newcomb'],
      ['Ben', 'Latimer'],
    ]) {
      const contactId = nextContact++
      x2crm.upsert('Contacts', {
        ...template.contact,
        id: contactId,
        firstName,
        lastName,
        name: `${firstName} ${lastName}`,
        nameId: `${firstName} ${lastName}_${contactId}`,
        email: `${firstName?.toLowerCase()}.${lastName?.toLowerCase()}@example.com`,
        company: `${name}_${id}`,
        title: null,
        phone: null,
        phone2: null,
        website: null,
        businessEmail: null,
        personalEmail: null,
        backgroundInfo: null,
        createDate: now,
        lastUpdated: now,
      })
      changes.newContacts.push(contactId)
    }
  }
  return changes
}

/** Records a user sees in lists: the private ones assigned to nobody are left alone. */
function visible(records: readonly X2crmRecord[]): X2crmRecord[] {
  return records.filter((r) => r['visibility'] !== 0 && r['visibility'] !== '0')
}

function maxId(records: readonly X2crmRecord[]): number {
  return records.reduce((max, r) => Math.max(max, Number(r['id']) || 0), 0)
}
