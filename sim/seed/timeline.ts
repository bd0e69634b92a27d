import { createHash } from 'node:crypto'
import type { X2crmRecord } from '../../src/source/x2crm/types.ts'
import { defaultFieldRows } from '../x2crm/defaults.ts'
import { createRandom, type Random } from './random.ts'
import * as words from './words.ts'

type Row = Record<string, unknown>

/**
 * The customer's timeline the generator adds to its accounts and contacts (issue 13): opportunities (about 55%
 * working, 25% won, 20% lost), actions of every kind at the ratios of a sales team's CRM (per contact about 1.5, per
 * account about 0.8, per opportunity about 0.5: calls, meetings, e-mails sent and received, to-dos, notes, logged
 * time; calls and e-mails done, to-dos about 40% completed, meetings in the past held and about 8% cancelled) and
 * Media files with their bytes (about one per 12 contacts and accounts), with the dirt a live X2CRM has.
 */
export interface Timeline {
  Opportunity: X2crmRecord[]
  Actions: X2crmRecord[]
  Media: X2crmRecord[]
  /** Media id → the file's bytes (base64), as getFile serves them; a missing file has none. */
  files: Record<string, string>
  /** The records that carry timeline dirt, each with its kind. */
  dirt: TimelineDirt[]
}

/** Dirt of the timeline, each something a live X2CRM holds. */
export const timelineDirtKinds = [
  /** An action of a type no Dataverse table takes (`webactivity`, X2CRM's record of a web visit). */
  'unknownActionType',
  /** An action or file about a record of a class the migration does not load (a service case). */
  'parentNotMigrated',
  /** `associationType` written as the class name or in capitals (`Contacts`, `ACCOUNTS`) by an import or a flow. */
  'associationTypeCase',
  /** A Media record whose file is gone from the server (getFile answers 404). */
  'missingMediaFile',
  /** `associationType` `none` with id 0: an action about nothing. */
  'noAssociation',
] as const

export type TimelineDirtKind = (typeof timelineDirtKinds)[number]

export interface TimelineDirt {
  entity: 'Actions' | 'Media'
  id: number
  kind: TimelineDirtKind
}

/** 2025-01-01 .. 2026-11-01, as the accounts and contacts */
const FIRST_DATE = 1735689600
const LAST_DATE = 1793491200

/** Action types and their share (api.md §1.9): '' is a to-do, `emailFrom` an e-mail received, `time` logged time. */
const ACTION_TYPES: readonly (readonly [string, number])[] = [
  ['call', 0.24],
  ['', 0.18],
  ['note', 0.17],
  ['event', 0.15],
  ['email', 0.15],
  ['emailFrom', 0.08],
  ['time', 0.03],
]

const FILE_KINDS: readonly (readonly [string, string])[] = [
  ['pdf', 'application/pdf'],
  ['txt', 'text/plain'],
  ['csv', 'text/csv'],
  ['png', 'image/png'],
]

/** Generates the timeline of `accounts` and `contacts` from its own random stream: they stay as they were. */
export function generateTimeline(options: {
  seed: number
  accounts: readonly X2crmRecord[]
  contacts: readonly X2crmRecord[]
  owners: readonly string[]
  /** Share of actions and files that carry dirt. @default 0.05 */
  dirty?: number
}): Timeline {
  const random = createRandom((options.seed ^ 0x7e1e11e5) >>> 0)
  const owners = options.owners.length > 0 ? options.owners : ['admin']
  const dirty = options.dirty ?? 0.05
  const opportunities = generateOpportunities(random, options.accounts, options.contacts, owners)
  const templates = {
    Actions: template('Actions'),
    Media: template('Media'),
  }
  const parents: Parent[] = [
    ...options.contacts.map((c) => parentOf('contacts', c)),
    ...options.accounts.map((a) => parentOf('accounts', a)),
    ...opportunities.map((o) => parentOf('opportunities', o)),
  ]
  const perParent = { contacts: 1.5, accounts: 0.8, opportunities: 0.5 }
  const actions: X2crmRecord[] = []
  const dirt: TimelineDirt[] = []
  const dirtyTurn = { actions: 0, media: 0 }
  for (const parent of parents) {
    const mean = perParent[parent.type]
    // 0..2×mean actions: some records have a long history, some none.
    const count = Math.floor(random.next() * (2 * mean + 1))
    for (let n = 0; n < count; n++) {
      const id = actions.length + 1
      const action = newAction(random, id, parent, owners, templates.Actions)
      if (random.chance(dirty)) {
        const kind = (
          ['unknownActionType', 'parentNotMigrated', 'associationTypeCase', 'noAssociation'] as const
        )[dirtyTurn.actions++ % 4]
        if (kind !== undefined) {
          dirtyAssociation(action, kind, id)
          dirt.push({ entity: 'Actions', id, kind })
        }
      }
      actions.push(action)
    }
  }
  const media: X2crmRecord[] = []
  const files: Record<string, string> = {}
  for (const parent of parents) {
    if (parent.type === 'opportunities' || !random.chance(1 / 12)) continue
    const id = media.length + 1
    const [extension, mimetype] = random.pick(FILE_KINDS)
    const fileName = `${random.pick(['proposal', 'contract', 'notes', 'scan', 'price_list'])}_${id}.${extension}`
    const bytes = fileBytes(random, fileName, extension)
    const uploadedBy = random.pick(owners)
    const record: Row = {
      ...templates.Media,
      id,
      associationType: parent.type,
      associationId: parent.id,
      uploadedBy,
      fileName,
      name: fileName,
      nameId: `${fileName}_${id}`,
      createDate: random.int(FIRST_DATE, LAST_DATE),
      private: 0,
      description: random.chance(0.5) ? `${random.pick(['Signed', 'Draft', 'Scanned'])} ${fileName}` : null,
      mimetype,
      filesize: bytes.length,
      drive: 0,
      accessKey: createHash('sha256').update(`${options.seed}:${id}`).digest('hex'),
    }
    record['lastUpdated'] = record['createDate']
    const kind = random.chance(dirty)
      ? dirtyTurn.media++ % 2 === 0
        ? 'missingMediaFile'
        : 'associationTypeCase'
      : undefined
    if (kind === 'associationTypeCase') record['associationType'] = String(parent.type).toUpperCase()
    if (kind !== undefined) dirt.push({ entity: 'Media', id, kind })
    if (kind !== 'missingMediaFile') files[String(id)] = bytes.toString('base64')
    media.push(record)
  }
  return { Opportunity: opportunities, Actions: actions, Media: media, files, dirt }
}

interface Parent {
  type: 'contacts' | 'accounts' | 'opportunities'
  id: number
  name: string
}

function parentOf(type: Parent['type'], record: X2crmRecord): Parent {
  return { type, id: Number(record['id']), name: typeof record['name'] === 'string' ? record['name'] : '' }
}

function template(className: string): Row {
  return Object.fromEntries(defaultFieldRows(className).map((field) => [String(field['fieldName']), null]))
}

function generateOpportunities(
  random: Random,
  accounts: readonly X2crmRecord[],
  contacts: readonly X2crmRecord[],
  owners: readonly string[],
): X2crmRecord[] {
  const base = template('Opportunity')
  const out: X2crmRecord[] = []
  for (const account of accounts) {
    // About 0.6 deals per account: none for most, several for a few.
    const count = random.chance(0.45) ? random.int(1, 2) : random.chance(0.1) ? 3 : 0
    for (let n = 0; n < count; n++) {
      const id = out.length + 1
      const roll = random.next()
      const stage = roll < 0.55 ? 'Working' : roll < 0.8 ? 'Won' : 'Lost'
      const created = random.int(FIRST_DATE, LAST_DATE - 86400)
      const contact = contacts.length > 0 && random.chance(0.6) ? random.pick(contacts) : undefined
      const name = `${String(account['name'])} - ${random.pick(['Renewal', 'Expansion', 'New deal', 'Pilot'])} ${id}`
      out.push({
        ...base,
        id,
        name,
        nameId: `${name}_${id}`,
        accountName: account['nameId'] ?? null,
        contactName: contact?.['nameId'] ?? null,
        quoteAmount: `${random.int(5, 5000) * 100}.00`,
        salesStage: stage,
        expectedCloseDate: random.int(created, LAST_DATE + 15552000),
        probability: stage === 'Won' ? 100 : stage === 'Lost' ? 0 : random.int(1, 9) * 10,
        leadSource: random.pick(words.leadSources),
        description: `${stage === 'Working' ? 'Open' : stage} opportunity with ${String(account['name'])}.`,
        assignedTo: random.pick(owners),
        visibility: 1,
        createDate: created,
        lastUpdated: random.int(created, LAST_DATE),
        updatedBy: 'admin',
        doNotCall: 0,
        doNotEmail: 0,
      })
    }
  }
  return out
}

function newAction(random: Random, id: number, parent: Parent, owners: readonly string[], base: Row): Row {
  let roll = random.next()
  const type = ACTION_TYPES.find(([, share]) => (roll -= share) < 0)?.[0] ?? ''
  const due = random.int(FIRST_DATE, LAST_DATE)
  const created = due - random.int(0, 864000)
  const past = due < LAST_DATE - 30 * 86400
  const cancelled = type === 'event' && random.chance(0.08)
  // Calls, e-mails, notes and logged time are done when logged; to-dos sometimes; meetings are held or not.
  const complete = type === 'event' ? null : type === '' ? (random.chance(0.4) ? 'Yes' : 'No') : 'Yes'
  const subject =
    type === 'email' || type === 'emailFrom'
      ? null
      : type === 'event'
        ? `${random.pick(['QBR', 'Demo', 'Kick-off', 'Lunch'])} #${id}`
        : type === ''
          ? `Task ${id}`
          : null
  const about = parent.name === '' ? `record ${parent.id}` : parent.name
  const description =
    type === 'email'
      ? `Subject: Proposal #${id}\n\nHi, please find attached our proposal for ${about}.`
      : type === 'emailFrom'
        ? `Subject: Re: Proposal #${id}\n\nThanks, we will review it this week.`
        : type === 'call'
          ? `Call with ${about}. Outcome: ${random.pick(['left voicemail', 'interested', 'call back next week', 'not now'])}.`
          : type === 'note'
            ? `Note: ${about} ${random.pick(['prefers e-mail', 'budget approved', 'new decision maker', 'asked for references'])}.`
            : type === 'event'
              ? `Meeting with ${about}`
              : type === 'time'
                ? `Time spent on ${about}`
                : `Follow up with ${about}: ${random.pick(['send proposal', 'check contract', 'book a demo'])}`
  return {
    ...base,
    id,
    assignedTo: random.pick(owners),
    subject,
    actionDescription: description,
    eventSubtype: type === 'event' ? random.pick(['Meeting', 'Appointment', 'Call']) : null,
    eventStatus: type === 'event' ? (cancelled ? 'Cancelled' : past ? 'Confirmed' : 'Tentative') : null,
    visibility: 1,
    associationId: parent.id,
    associationType: parent.type,
    associationName: parent.name,
    dueDate: due,
    priority: String(random.int(1, 3)),
    type,
    createDate: created,
    complete,
    reminder: null,
    completedBy: complete === 'Yes' ? random.pick(owners) : 'Anyone',
    completeDate: complete === 'Yes' || type === 'event' ? due + random.int(600, 7200) : null,
    lastUpdated: due + 7200,
    updatedBy: null,
    allDay: type === 'event' ? (random.chance(0.1) ? 1 : 0) : null,
    timeSpent: type === 'time' ? random.int(5, 240) * 60 : 0,
    flowTriggered: 0,
  }
}

function dirtyAssociation(action: Row, kind: TimelineDirtKind, id: number): void {
  switch (kind) {
    case 'unknownActionType':
      action['type'] = 'webactivity'
      action['actionDescription'] = `Visited the pricing page (${id}).`
      break
    case 'parentNotMigrated':
      action['associationType'] = 'services'
      action['associationId'] = 1000 + (id % 50)
      action['associationName'] = String(1000 + (id % 50))
      break
    case 'associationTypeCase': {
      const type = String(action['associationType'])
      action['associationType'] =
        id % 2 === 0
          ? type.toUpperCase()
          : type === 'opportunities'
            ? 'Opportunity'
            : type.charAt(0).toUpperCase() + type.slice(1)
      break
    }
    case 'noAssociation':
      action['associationType'] = 'none'
      action['associationId'] = 0
      action['associationName'] = null
      break
    case 'missingMediaFile':
      break
  }
}

/** A small file whose bytes fit its type: text for txt/csv, a PDF or PNG header with a text body otherwise. */
function fileBytes(random: Random, fileName: string, extension: string): Buffer {
  const lines = Array.from(
    { length: random.int(3, 40) },
    (_, i) => `${i + 1},${random.pick(words.companyStems)},${random.int(1, 99999)}`,
  )
  const body = `${fileName}\n${lines.join('\n')}\n`
  switch (extension) {
    case 'pdf':
      return Buffer.from(`%PDF-1.4\n% ${body}%%EOF\n`, 'latin1')
    case 'png':
      return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from(body)])
    default:
      return Buffer.from(body, 'utf8')
  }
}
