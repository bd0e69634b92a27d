import type { X2crmRecord } from '../../src/source/x2crm/types.ts'
import type { X2crmDataset } from '../x2crm/dataset.ts'
import {
  DEFAULT_ADMIN_KEY,
  defaultDropdowns,
  defaultFieldRows,
  moduleModelTitles,
  userRow,
} from '../x2crm/defaults.ts'
import {
  accountDirtyKinds,
  contactDirtyKinds,
  ruleDirtyKinds,
  findingDirtyKinds,
  type DirtyKind,
  type DirtyRecord,
} from './dirty.ts'
import { createRandom, type Random } from './random.ts'
import { generateTimeline, type TimelineDirt } from './timeline.ts'
import * as words from './words.ts'

type Row = Record<string, unknown>

import { addCasesListsTags, type GeneratedListItem } from './cases-lists.ts'
import { addSales } from './sales.ts'

export { countDirtyKinds, dirtyKinds, type DirtyKind, type DirtyRecord } from './dirty.ts'

/**
 * A deterministic X2CRM dataset: same seed, same data. Values are typed as API v2 returns them on GET (ids and
 * unix-second dates as numbers, decimals as strings such as "1500.00", flags 0/1), links are `Name_ID` strings.
 * The admin user's API key is {@link DEFAULT_ADMIN_KEY} (`admin-test-key-0000000000000000`).
 */
export interface GenerateOptions {
  seed: number
  accounts: number
  contacts: number
  /** Users including `admin`; some are inactive (status 0) and still own records. @default 6 */
  users?: number
  /** Fraction of accounts and contacts that carry one kind of dirty data. @default 0.05 */
  dirty?: number
  /**
   * Also plant the kinds of issue 14's rules (`ruleDirtyKinds`) on every 97th account and contact. Off by default:
   * the demo and the older tests keep the data they were written for. @default false
   */
  ruleDirt?: boolean
  /**
   * Also make cases (Services, ~1 per 10 contacts), marketing lists with members, tags and labelled relationships
   * (sim/seed/cases-lists.ts). @default true
   */
  casesListsTags?: boolean
  /** Also products, quotes (with lines) and groups (sim/seed/sales.ts). @default false */
  sales?: boolean
  /**
   * Also the customer's timeline (sim/seed/timeline.ts): opportunities won, lost and open, actions of every kind
   * about the contacts, accounts and opportunities, Media files with their bytes (served by getFile), and their
   * dirt. From a random stream of its own: the accounts and contacts are the same with or without it.
   * @default false
   */
  timeline?: boolean
}

export interface GeneratedDataset {
  dataset: X2crmDataset
  /** Every record that carries dirt, with its kinds. */
  dirty: DirtyRecord[]
  /** Static lists' members (`x2_list_items`: database-only, so the simulator's API does not serve them). */
  listItems: GeneratedListItem[]
  /** With `timeline`: the actions and files that carry the timeline's dirt. */
  timelineDirt?: TimelineDirt[]
}

export function generateDataset(options: GenerateOptions): X2crmDataset {
  return generate(options).dataset
}

/** The dirty kinds a generated record carries (`[]` for a clean one). */
export function dirtyKindsOf(generated: GeneratedDataset, entity: string, id: number): DirtyKind[] {
  return generated.dirty.find((record) => record.entity === entity && record.id === id)?.kinds ?? []
}

/** 2025-01-01 .. 2026-11-01 (the fixture's "now" is November 2026) */
const FIRST_DATE = 1735689600
const LAST_DATE = 1793491200

export function generate(options: GenerateOptions): GeneratedDataset {
  const random = createRandom(options.seed)
  const dirtyShare = options.dirty ?? 0.05
  const ruleShare = options.ruleDirt === true ? dirtyShare : 0
  const users = generateUsers(random, Math.max(1, options.users ?? 6))
  const usernames = users.map((user) => String(user.username))
  const owners = usernames.filter((name) => name !== 'admin' && name !== 'api')
  const inactiveOwners = users.filter((u) => u.status === 0).map((u) => String(u.username))
  const dirty: DirtyRecord[] = []
  const relationships: Record<string, unknown>[] = []
  const relate = (firstType: string, firstId: number, secondType: string, secondId: number) =>
    relationships.push({
      id: relationships.length + 1,
      firstType,
      firstId,
      firstLabel: null,
      secondType,
      secondId,
      secondLabel: null,
    })

  const accountFields = defaultFieldRows('Accounts')
  const contactFields = defaultFieldRows('Contacts', accountFields.length + 1)

  const accounts: Row[] = []
  const usedNames = new Set<string>()
  let accountKindTurn = options.seed
  for (let id = 1; id <= options.accounts; id++) {
    const account = newAccount(random, id, owners, usedNames)
    if (id > 1 && random.chance(0.1)) {
      const parent = random.pick(accounts)
      account.parentAccount = parent.nameId
      relate('Accounts', id, 'Accounts', Number(parent.id))
    }
    if (random.chance(dirtyShare)) {
      const kinds = olderKinds(accountDirtyKinds).filter(
        (kind) => kind !== 'duplicateAccountName' || accounts.length > 0,
      )
      const kind = kinds[accountKindTurn++ % kinds.length] ?? 'zeroDate'
      dirtyAccount(random, account, kind, accounts)
      dirty.push({ entity: 'Accounts', id, kinds: [kind] })
    } else if (ruleKindOf(accountDirtyKinds, id, ruleShare) !== undefined) {
      const kind = ruleKindOf(accountDirtyKinds, id, ruleShare) ?? 'zeroDate'
      dirtyAccount(random, account, kind, accounts)
      dirty.push({ entity: 'Accounts', id, kinds: [kind] })
    } else if (findingKindOf(accountDirtyKinds, id, ruleShare) !== undefined) {
      const kind = findingKindOf(accountDirtyKinds, id, ruleShare) ?? 'zeroDate'
      plantFinding(account, kind, { inactive: inactiveOwners, earlier: [] })
      dirty.push({ entity: 'Accounts', id, kinds: [kind] })
    }
    accounts.push(account)
  }

  const contacts: Row[] = []
  let contactKindTurn = options.seed
  for (let id = 1; id <= options.contacts; id++) {
    const contact = newContact(random, id, owners)
    if (accounts.length > 0 && random.chance(0.85)) {
      const account = random.pick(accounts)
      contact.company = account.nameId
      relate('Contacts', id, 'Accounts', Number(account.id))
    }
    const older = olderKinds(contactDirtyKinds)
    if (random.chance(dirtyShare)) {
      const kind = older[contactKindTurn++ % older.length] ?? 'zeroDate'
      dirtyContact(random, contact, kind, accounts)
      dirty.push({ entity: 'Contacts', id, kinds: [kind] })
    } else if (ruleKindOf(contactDirtyKinds, id, ruleShare) !== undefined) {
      const kind = ruleKindOf(contactDirtyKinds, id, ruleShare) ?? 'zeroDate'
      dirtyContact(random, contact, kind, accounts)
      dirty.push({ entity: 'Contacts', id, kinds: [kind] })
    } else if (findingKindOf(contactDirtyKinds, id, ruleShare) !== undefined) {
      const kind = findingKindOf(contactDirtyKinds, id, ruleShare) ?? 'zeroDate'
      plantFinding(contact, kind, { inactive: inactiveOwners, earlier: contacts })
      dirty.push({ entity: 'Contacts', id, kinds: [kind] })
    }
    contacts.push(contact)
  }
  if (contacts.length > 0) {
    for (const account of accounts)
      if (random.chance(0.2)) account.primaryContact = random.pick(contacts).nameId
  }

  const fields: Record<string, Record<string, unknown>[]> = {
    Accounts: accountFields,
    Contacts: contactFields,
  }
  const records: Record<string, X2crmRecord[]> = { Accounts: accounts, Contacts: contacts }
  let nextFieldId = accountFields.length + contactFields.length + 1
  for (const className of moduleModelTitles().keys()) {
    if (fields[className]) continue
    fields[className] = defaultFieldRows(className, nextFieldId)
    nextFieldId += fields[className].length
    records[className] = []
  }
  // The groups 1..5 accounts are assigned to (accountOwner), for the owner decisions of issue 14 (ruleDirt only, so
  // older data keeps its classes as they were).
  if (options.ruleDirt === true) {
    records['Groups'] = [1, 2, 3, 4, 5].map((id) => ({
      id,
      name: `${words.groupNames[id - 1] ?? 'Group'} ${id}`,
    }))
  }

  const timeline =
    options.timeline === true
      ? generateTimeline({ seed: options.seed, accounts, contacts, owners, dirty: dirtyShare })
      : undefined
  if (timeline !== undefined) {
    records['Opportunity'] = timeline.Opportunity
    records['Actions'] = timeline.Actions
    records['Media'] = timeline.Media
  }

  const apiKeys: Record<string, string> = { admin: DEFAULT_ADMIN_KEY }
  for (const user of users) {
    if (user.username !== 'admin' && user.status === 1) apiKeys[String(user.username)] = apiKey(random)
  }
  const dataset: X2crmDataset = {
    records,
    users,
    fields,
    apiKeys,
    tags: {},
    dropdowns: defaultDropdowns(),
    relationships,
    ...(timeline !== undefined && { mediaFiles: timeline.files }),
  }
  // Cases, marketing lists with members, tags and labelled relationships (their own random stream).
  const extras =
    options.casesListsTags === false
      ? { listItems: [] }
      : addCasesListsTags(dataset, { seed: options.seed, owners, firstDate: FIRST_DATE, lastDate: LAST_DATE })
  if (options.sales === true) addSales(dataset, options)
  return {
    dataset,
    dirty,
    listItems: extras.listItems,
    ...(timeline !== undefined && { timelineDirt: timeline.dirt }),
  }
}

function generateUsers(random: Random, count: number): Record<string, unknown>[] {
  const users = [
    userRow({
      id: 1,
      username: 'admin',
      firstName: 'web',
      lastName: 'admin',
      fullName: 'Web Admin',
      emailAddress: 'admin@crm.example',
      status: 1,
    }),
  ]
  const taken = new Set(['admin'])
  for (let id = 2; id <= count; id++) {
    const firstName = random.pick(words.firstNames)
    const lastName = random.pick(words.lastNames)
    let username = ascii(`${firstName.charAt(0)}${lastName}`).toLowerCase()
    for (let n = 2; taken.has(username); n++)
      username = `${ascii(`${firstName.charAt(0)}${lastName}`).toLowerCase()}${n}`
    taken.add(username)
    // Every fourth user has left the company but still owns records.
    const status = id % 4 === 0 ? 0 : 1
    users.push(
      userRow({
        id,
        username,
        firstName,
        lastName,
        fullName: `${firstName} ${lastName}`,
        emailAddress: `${username}@crm.example`,
        title: random.pick(words.titles),
        status,
        createDate: random.int(FIRST_DATE - 31536000, FIRST_DATE),
      }),
    )
  }
  return users
}

function newAccount(random: Random, id: number, owners: readonly string[], usedNames: Set<string>): Row {
  let name = `${random.pick(words.companyStems)} ${random.pick(words.companySuffixes)}`
  if (usedNames.has(name)) name = `${name} ${id}`
  usedNames.add(name)
  const slug = ascii(name)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
  const [city, state, country, phonePrefix] = random.pick(words.places)
  const created = random.int(FIRST_DATE, LAST_DATE - 86400)
  const updated = random.int(created, LAST_DATE)
  // Every default Accounts field, in the API's order (one literal: 10,000 records stay fast).
  return {
    leadtype: null,
    leadSource: null,
    leadstatus: null,
    leadDate: null,
    leadscore: null,
    priority: null,
    interest: null,
    dealvalue: null,
    closedate: null,
    rating: null,
    dealstatus: null,
    expectedCloseDate: null,
    title: null,
    name,
    nameId: `${name}_${id}`,
    id,
    website: `www.${slug}.example`,
    twitter: null,
    linkedin: null,
    skype: null,
    googleplus: null,
    facebook: null,
    otherUrl: null,
    timezone: null,
    type: random.pick(words.accountTypes),
    visibility: 1,
    annualRevenue: `${random.int(5, 50000) * 1000}.00`,
    phone: `${phonePrefix} ${random.int(200, 999)}-${random.int(1000, 9999)}`,
    phone2: null,
    email: `info@${slug}.example`,
    modelName: null,
    tickerSymbol: null,
    address: null,
    address2: null,
    backgroundInfo: null,
    city,
    state,
    country,
    zipcode: null,
    parentAccount: null,
    primaryContact: null,
    employees: random.int(1, 20000),
    assignedTo: accountOwner(random, owners),
    createDate: created,
    description: `${name} operates in ${random.pick(words.industries)}.`,
    lastUpdated: updated,
    lastActivity: updated,
    updatedBy: 'admin',
    trackingKey: null,
    doNotCall: random.chance(0.05) ? 1 : 0,
    doNotEmail: random.chance(0.1) ? 1 : 0,
    businessEmail: null,
    personalEmail: null,
    alternativeEmail: null,
    preferredEmail: null,
  }
}

/** Mostly one user; sometimes several ("alice, bob"), a group id, or nobody ("Anyone"). */
function accountOwner(random: Random, owners: readonly string[]): string {
  if (owners.length === 0) return 'Anyone'
  const roll = random.next()
  if (roll < 0.7) return random.pick(owners)
  if (roll < 0.8) return [...new Set([random.pick(owners), random.pick(owners)])].join(', ')
  if (roll < 0.9) return String(random.int(1, 5))
  return 'Anyone'
}

function newContact(random: Random, id: number, owners: readonly string[]): Row {
  const firstName = random.pick(words.firstNames)
  const lastName = random.pick(words.lastNames)
  const name = `${firstName} ${lastName}`
  const [city, state, country, phonePrefix] = random.pick(words.places)
  const created = random.int(FIRST_DATE, LAST_DATE - 86400)
  const updated = random.int(created, LAST_DATE)
  const owner = owners.length > 0 && random.chance(0.85) ? random.pick(owners) : 'Anyone'
  const local = ascii(`${firstName}.${lastName}`)
    .toLowerCase()
    .replace(/[^a-z.]/g, '')
  // Every default Contacts field, in the API's order (one literal: 10,000 records stay fast).
  return {
    leadscore: null,
    dealstatus: null,
    id,
    name,
    nameId: `${name}_${id}`,
    firstName,
    lastName,
    title: random.chance(0.8) ? random.pick(words.titles) : null,
    company: null,
    phone: `${phonePrefix} ${random.int(200, 999)}-${random.int(1000, 9999)}`,
    phone2: null,
    email: `${local}${id}@${random.pick(emailDomains)}`,
    website: null,
    twitter: null,
    linkedin: null,
    skype: null,
    googleplus: null,
    address: null,
    address2: null,
    city,
    state,
    zipcode: null,
    country,
    // A private record assigned to a real user is still listed; only "Anyone" hides it.
    visibility: owner !== 'Anyone' && random.chance(0.1) ? 0 : 1,
    assignedTo: owner,
    backgroundInfo: random.chance(0.3)
      ? `Met at ${random.pick(words.industries).toLowerCase()} conference.`
      : null,
    lastUpdated: updated,
    lastActivity: updated,
    updatedBy: 'admin',
    leadSource: random.pick(words.leadSources),
    leadDate: random.chance(0.3) ? random.int(FIRST_DATE, created) : null,
    priority: null,
    rating: random.chance(0.4) ? random.int(1, 5) : null,
    createDate: created,
    facebook: null,
    otherUrl: null,
    leadtype: null,
    closedate: null,
    expectedCloseDate: null,
    interest: null,
    dealvalue: random.chance(0.25) ? `${random.int(1, 500) * 100}.00` : null,
    leadstatus: random.chance(0.5) ? random.pick(words.leadStatuses) : null,
    doNotCall: random.chance(0.05) ? 1 : 0,
    timezone: null,
    dupeCheck: 0,
    doNotEmail: random.chance(0.1) ? 1 : 0,
    trackingKey: apiKey(random),
    accountName: null,
    businessEmail: null,
    personalEmail: null,
    alternativeEmail: null,
    preferredEmail: null,
    reverseIp: null,
    fingerprintId: null,
  }
}

const emailDomains = ['example.com', 'mail.example', 'corp.example'] as const

const olderKinds = (kinds: readonly DirtyKind[]) =>
  kinds.filter((kind) => !ruleDirtyKinds.includes(kind) && !findingDirtyKinds.includes(kind))

/**
 * The rule kind (`ruleDirtyKinds`) record `id` carries: every 97th id, in turn, when the data is dirty at all. Decided
 * without drawing from `random`, so the rest of the data is what it was before these kinds existed.
 */
function ruleKindOf(kinds: readonly DirtyKind[], id: number, dirtyShare: number): DirtyKind | undefined {
  if (dirtyShare <= 0 || id % 97 !== 0) return undefined
  const ruleKinds = kinds.filter((kind) => ruleDirtyKinds.includes(kind))
  return ruleKinds[(id / 97) % ruleKinds.length]
}

/** The finding kind (`findingDirtyKinds`) record `id` carries: every 89th id, in turn; without drawing from `random`. */
function findingKindOf(kinds: readonly DirtyKind[], id: number, dirtyShare: number): DirtyKind | undefined {
  if (dirtyShare <= 0 || id % 89 !== 0) return undefined
  const findingKinds = kinds.filter((kind) => findingDirtyKinds.includes(kind))
  return findingKinds[(id / 89) % findingKinds.length]
}

/** 2100-01-01: a timestamp in the future of any run. */
const FUTURE_DATE = 4102444800

function plantFinding(
  row: Record<string, unknown>,
  kind: DirtyKind,
  from: { inactive: readonly string[]; earlier: readonly Record<string, unknown>[] },
): void {
  const id = Number(row.id)
  switch (kind) {
    case 'duplicateEmailCase': {
      const earlier = from.earlier.find((r) => typeof r.email === 'string' && /^[^@]+@[^@]+$/.test(r.email))
      if (earlier !== undefined) row.email = String(earlier.email).toUpperCase()
      break
    }
    case 'futureTimestamp':
      row.lastUpdated = FUTURE_DATE
      break
    case 'inactiveOwner':
      row.assignedTo = from.inactive[id % Math.max(1, from.inactive.length)] ?? 'admin'
      break
    case 'groupOwner':
      row.assignedTo = String(1 + (id % 5))
      break
  }
}

function dirtyAccount(
  random: Random,
  account: Record<string, unknown>,
  kind: DirtyKind,
  earlier: readonly Record<string, unknown>[],
): void {
  const id = Number(account.id)
  switch (kind) {
    case 'duplicateAccountName':
      account.name = random.pick(earlier).name
      break
    case 'overlongString':
      account.name = `${String(account.name)} ${'International '.repeat(20)}`.slice(0, random.int(161, 300))
      break
    case 'zeroDate':
      account.createDate = 0
      break
    case 'danglingLink':
      account.parentAccount = 'Ghost Holdings_999998'
      break
    case 'invalidEmail':
      account.email = 'info@@example'
      break
    case 'destroyedEmoji':
      account.name = `Rocket ???? Labs ${id}`
      break
    case 'htmlInText':
      account.description =
        '<p>Key account. <b>Renewal</b> due &amp; <a href="https://crm.example/q">quote</a> sent.</p>'
      break
    case 'hiddenPrivate':
      account.visibility = 0
      account.assignedTo = 'Anyone'
      break
    case 'negativeCount':
      account.employees = -12
      break
    case 'excessDecimals':
      account.annualRevenue = '1250.555'
      break
    case 'invisibleName':
      account.name = '\u200B\u2060'
      break
  }
  account.nameId = `${String(account.name)}_${id}`
}

function dirtyContact(
  random: Random,
  contact: Record<string, unknown>,
  kind: DirtyKind,
  accounts: readonly Record<string, unknown>[],
): void {
  const id = Number(contact.id)
  const accountCount = accounts.length
  switch (kind) {
    case 'invalidEmail':
      contact.email = random.pick([
        'not-an-email@@example',
        'no-at-sign.example',
        'two@@at.example',
        'trailing@',
      ])
      break
    case 'overlongString':
      contact.lastName = `${String(contact.lastName)}${'x'.repeat(300)}`.slice(0, random.int(60, 300))
      break
    case 'zeroDate':
      contact.createDate = 0
      contact.leadDate = 0
      break
    case 'danglingLink':
      contact.company = `Ghost Corp_${Math.max(999999, accountCount + 1000)}`
      break
    case 'plainTextCompany':
      contact.company = 'Unknown Company That Does Not Exist Inc'
      break
    case 'destroyedEmoji':
      contact.firstName = 'Zoë ????'
      contact.lastName = 'Emoji ????'
      break
    case 'htmlInText':
      contact.backgroundInfo =
        '<p>Met at <b>trade show</b> &amp; asked for a <a href="https://crm.example/q">quote</a>.</p>'
      break
    case 'missingLastName':
      contact.lastName = null
      break
    case 'hiddenPrivate':
      contact.visibility = 0
      contact.assignedTo = 'Anyone'
      break
    case 'trailingNewline':
      contact.backgroundInfo = '  Prefers calls after 4pm.\nAsk for Sam.\n'
      break
    case 'plainTextKnownCompany': {
      const name = accounts[(id * 7) % Math.max(1, accounts.length)]?.name
      contact.company = typeof name === 'string' ? name : 'Acme Corp'
      break
    }
  }
  const name = [contact.firstName, contact.lastName]
    .filter((part) => typeof part === 'string' && part !== '')
    .join(' ')
  contact.name = name.slice(0, 255)
  contact.nameId = `${String(contact.name)}_${id}`
}

/** 32 characters of [A-Za-z0-9] */
function apiKey(random: Random): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
  let key = ''
  for (let i = 0; i < 32; i++) key += alphabet.charAt(Math.floor(random.next() * alphabet.length))
  return key
}

function ascii(text: string): string {
  return text
    .replace(/ł/g, 'l')
    .replace(/Ł/g, 'L')
    .normalize('NFKD')
    .replace(/[^\x20-\x7e]/g, '')
}
