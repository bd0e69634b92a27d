import { defaultFieldRows } from '../x2crm/defaults.ts'
import { accountDirtyKinds, contactDirtyKinds, findingDirtyKinds, type DirtyKind } from './dirty.ts'
import { createRandom, type Random } from './random.ts'
import * as words from './words.ts'

type Row = Record<string, unknown>

/**
 * A streaming, deterministic X2CRM instance: record `id` of a class is computed from (seed, class, id) alone, so a
 * million records can be served or extracted without ever being held. Every module a migration reads, realistic
 * values, links between records, custom fields, and the dirty-data catalogue on every module.
 */
export interface InstanceShape {
  seed: number
  /** Ids 1..n per class (Quote and Services start at 1000, as in X2CRM: ids 1000..999+n). */
  counts: Readonly<Partial<Record<GeneratedEntity, number>>>
  /** Share of records carrying one kind of dirty data. @default 0.05 */
  dirty?: number
  /** Share of ids that were deleted (answer 404). @default 0.01 */
  deleted?: number
  /** Usernames that own records; inactive ones included. @default the six generated users */
  owners?: readonly string[]
}

export const GENERATED_ENTITIES = [
  'Accounts',
  'Contacts',
  'X2Leads',
  'Opportunity',
  'Product',
  'Quote',
  'Services',
  'Actions',
  'Campaign',
  'X2List',
  'Media',
  'Docs',
  'Groups',
] as const

export type GeneratedEntity = (typeof GENERATED_ENTITIES)[number]

/** Ids start at 1000 for these tables (api.md §2.1). */
export function firstIdOf(entity: string): number {
  return entity === 'Quote' || entity === 'Services' ? 1000 : 1
}

export function lastIdOf(shape: InstanceShape, entity: GeneratedEntity): number {
  return firstIdOf(entity) + (shape.counts[entity] ?? 0) - 1
}

/**
 * The records of `entity` with ids in `[from, to]`, ascending, deleted ids left out. Lazily: nothing is held.
 * @example for (const contact of generateRecords(shape, 'Contacts', { from: 1, to: 1_000_000 })) …
 */
export function* generateRecords(
  shape: InstanceShape,
  entity: GeneratedEntity,
  range: { from: number; to: number },
): Generator<Row> {
  const from = Math.max(range.from, firstIdOf(entity))
  const to = Math.min(range.to, lastIdOf(shape, entity))
  for (let id = from; id <= to; id++) {
    const record = generateRecord(shape, entity, id)
    if (record) yield record
  }
}

/** Record `id` of `entity`, or undefined when the id was deleted or lies outside the instance. */
export function generateRecord(shape: InstanceShape, entity: GeneratedEntity, id: number): Row | undefined {
  if (id < firstIdOf(entity) || id > lastIdOf(shape, entity) || isDeleted(shape, entity, id)) return undefined
  return build(shape, entity, id, (target, targetId) => `${nameOf(shape, target, targetId)}_${targetId}`)
}

function build(
  shape: InstanceShape,
  entity: GeneratedEntity,
  id: number,
  nameId: (entity: GeneratedEntity, id: number) => string,
): Row {
  const random = recordRandom(shape.seed, entity, id)
  const row: Row = { ...templateOf(entity) }
  builders[entity](row, id, random, { ...context(shape), nameId })
  const kind = dirtyKindOf(shape, entity, id)
  if (kind) applyDirt(row, entity, kind, id, shape)
  if ('nameId' in row && typeof row.name === 'string') row.nameId = `${row.name}_${id}`
  return row
}

/** Whether `id` was deleted. Decided by its own hash, so a reader can tell without generating anything else. */
export function isDeleted(shape: InstanceShape, entity: string, id: number): boolean {
  return unit(hash3(shape.seed ^ 0x5bd1e995, entityIndex(entity), id)) < (shape.deleted ?? 0.01)
}

/** The dirty kinds each module can carry (every one occurs in a live X2CRM 7.1; fixture README). */
export const dirtyKindsByEntity: Readonly<Record<GeneratedEntity, readonly ModuleDirtyKind[]>> = {
  // The finding kinds are planted by `generate` alone (ruleDirt): the instance generator keeps its schedule.
  Accounts: accountDirtyKinds.filter(isModuleDirtyKind),
  Contacts: contactDirtyKinds.filter(isModuleDirtyKind),
  X2Leads: [
    'invalidEmail',
    'overlongString',
    'zeroDate',
    'danglingLink',
    'plainTextCompany',
    'destroyedEmoji',
    'missingLastName',
    'hiddenPrivate',
  ],
  Opportunity: [
    'overlongString',
    'zeroDate',
    'danglingLink',
    'destroyedEmoji',
    'htmlInText',
    'unknownOption',
    'hiddenPrivate',
  ],
  Product: ['overlongString', 'zeroDate', 'destroyedEmoji', 'htmlInText', 'unknownOption'],
  Quote: ['zeroDate', 'danglingLink', 'destroyedEmoji', 'htmlInText'],
  Services: ['zeroDate', 'danglingLink', 'htmlInText', 'unknownOption'],
  Actions: ['zeroDate', 'danglingLink', 'destroyedEmoji', 'htmlInText', 'hiddenPrivate'],
  Campaign: ['zeroDate', 'danglingLink', 'destroyedEmoji', 'htmlInText'],
  X2List: ['zeroDate', 'destroyedEmoji'],
  Media: ['zeroDate', 'danglingLink', 'destroyedEmoji'],
  Docs: ['destroyedEmoji', 'htmlInText'],
  Groups: ['destroyedEmoji'],
}

export type ModuleDirtyKind =
  | 'invalidEmail'
  | 'overlongString'
  | 'zeroDate'
  | 'danglingLink'
  | 'plainTextCompany'
  | 'duplicateAccountName'
  | 'destroyedEmoji'
  | 'htmlInText'
  | 'missingLastName'
  | 'hiddenPrivate'
  /** A dropdown value the dropdown does not list (options edited after the data was entered). */
  | 'unknownOption'
  | 'negativeCount'
  | 'excessDecimals'
  | 'invisibleName'
  | 'trailingNewline'
  | 'plainTextKnownCompany'

function isModuleDirtyKind(kind: DirtyKind): kind is Extract<DirtyKind, ModuleDirtyKind> {
  return !findingDirtyKinds.includes(kind)
}

/** The dirty kind record `id` carries, if any (deleted ids included: callers check {@link isDeleted}). */
export function dirtyKindOf(
  shape: InstanceShape,
  entity: GeneratedEntity,
  id: number,
): ModuleDirtyKind | undefined {
  const roll = hash3(shape.seed ^ 0x27d4eb2f, entityIndex(entity), id)
  if (unit(roll) >= (shape.dirty ?? 0.05)) return undefined
  const kinds = dirtyKindsByEntity[entity]
  return kinds[(roll >>> 8) % kinds.length]
}

/** Custom fields the generated instance adds to the default ones, and the dropdowns behind them. */
export const customFields: Readonly<Partial<Record<GeneratedEntity, readonly Row[]>>> = {
  Contacts: [
    { fieldName: 'c_region', attributeLabel: 'Region', type: 'dropdown', linkType: '1000' },
    { fieldName: 'c_score', attributeLabel: 'Score', type: 'int', linkType: null },
  ],
  Opportunity: [
    { fieldName: 'c_segments', attributeLabel: 'Segments', type: 'dropdown', linkType: '1001' },
    { fieldName: 'c_renewal', attributeLabel: 'Renewal', type: 'date', linkType: null },
  ],
  Accounts: [{ fieldName: 'c_tier', attributeLabel: 'Tier', type: 'varchar', linkType: null }],
}

export const customDropdowns: readonly Row[] = [
  {
    id: 1000,
    name: 'Region',
    options: { EMEA: 'EMEA', NA: 'North America', APAC: 'APAC', LATAM: 'Latin America' },
    multi: 0,
    parent: null,
    parentVal: null,
  },
  {
    id: 1001,
    name: 'Segments',
    options: { smb: 'Small business', mid: 'Mid-market', ent: 'Enterprise', pub: 'Public sector' },
    multi: 1,
    parent: null,
    parentVal: null,
  },
]

/** `GET {Class}/fields` rows of a generated class: the defaults plus {@link customFields}. */
export function generatedFieldRows(entity: GeneratedEntity, firstId = 1): Row[] {
  const defaults = defaultFieldRows(entity, firstId)
  const custom = (customFields[entity] ?? []).map((field, index) => ({
    ...(defaults[0] ?? {}),
    id: firstId + defaults.length + index,
    modelName: entity,
    modified: 1,
    custom: 1,
    required: 0,
    uniqueConstraint: 0,
    readOnly: 0,
    isVirtual: 0,
    keyType: null,
    defaultValue: null,
    ...field,
  }))
  return [...defaults, ...custom]
}

export const GENERATED_USERNAMES = ['admin', 'lchen', 'mgarcia', 'pwagner', 'tokafor', 'sjohansson'] as const
/** Every fourth user has left the company, and still owns records. */
export const INACTIVE_USERNAMES: ReadonlySet<string> = new Set(['pwagner'])

// ——— internals ———

const FIRST_DATE = 1735689600
const LAST_DATE = 1793491200

interface Context {
  shape: InstanceShape
  owners: readonly string[]
  /** An id of `entity` (it may have been deleted: links go stale in real data too). */
  pick(random: Random, entity: GeneratedEntity): number | undefined
  /** `name_id` of a record, as a link field holds it. */
  nameId(entity: GeneratedEntity, id: number): string
}

function context(shape: InstanceShape): Omit<Context, 'nameId'> {
  return {
    shape,
    owners: shape.owners ?? GENERATED_USERNAMES.filter((name) => name !== 'admin'),
    pick(random, entity) {
      const count = shape.counts[entity] ?? 0
      return count === 0 ? undefined : firstIdOf(entity) + random.int(0, count - 1)
    },
  }
}

/** The name a linked record has (deleted or not): built with its own links left blank, so nothing recurses. */
function nameOf(shape: InstanceShape, entity: GeneratedEntity, id: number): string {
  const row = build(shape, entity, id, () => '')
  return typeof row.name === 'string' ? row.name : String(id)
}

const templates = new Map<string, Row>()

/** Every default field as null, in the API's order: the API returns all of them. */
function templateOf(entity: GeneratedEntity): Row {
  let template = templates.get(entity)
  if (!template) {
    template = Object.fromEntries(generatedFieldRows(entity).map((field) => [String(field.fieldName), null]))
    templates.set(entity, template)
  }
  return template
}

type Builder = (row: Row, id: number, random: Random, context: Context) => void

function dates(row: Row, random: Random, withActivity = true): void {
  const created = random.int(FIRST_DATE, LAST_DATE - 86400)
  const updated = random.int(created, LAST_DATE)
  row.createDate = created
  row.lastUpdated = updated
  if (withActivity) row.lastActivity = updated
}

function owner(random: Random, owners: readonly string[], multi: boolean): string {
  if (owners.length === 0) return 'Anyone'
  const roll = random.next()
  if (roll < 0.75) return random.pick(owners)
  if (multi && roll < 0.85) return [...new Set([random.pick(owners), random.pick(owners)])].join(', ')
  if (roll < 0.92) return String(random.int(1, 5))
  return 'Anyone'
}

const money = (random: Random, min: number, max: number) => `${random.int(min, max) * 100}.00`
const slug = (text: string) =>
  text
    .normalize('NFKD')
    .replace(/[^\x20-\x7e]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
const link = (context: Context, random: Random, entity: GeneratedEntity) => {
  const id = context.pick(random, entity)
  return id === undefined ? null : context.nameId(entity, id)
}

const salesStages = ['Working', 'Working', 'Working', 'Won', 'Lost'] as const
const actionTypes = [
  ['', 0.22],
  ['call', 0.18],
  ['note', 0.18],
  ['event', 0.14],
  ['email', 0.12],
  ['emailFrom', 0.05],
  ['time', 0.04],
  ['attachment', 0.03],
  ['workflow', 0.02],
  ['webactivity', 0.02],
] as const
const associations = [
  ['contacts', 'Contacts'],
  ['contacts', 'Contacts'],
  ['accounts', 'Accounts'],
  ['opportunities', 'Opportunity'],
  ['x2Leads', 'X2Leads'],
  ['services', 'Services'],
] as const

const builders: Record<GeneratedEntity, Builder> = {
  Accounts(row, id, random, context) {
    const name = `${random.pick(words.companyStems)} ${random.pick(words.companySuffixes)}`
    const [city, state, country, prefix] = random.pick(words.places)
    Object.assign(row, {
      name,
      id,
      website: `www.${slug(name)}.example`,
      type: random.pick(words.accountTypes),
      visibility: 1,
      annualRevenue: money(random, 50, 500000),
      phone: `${prefix} ${random.int(200, 999)}-${random.int(1000, 9999)}`,
      email: `info@${slug(name)}.example`,
      city,
      state,
      country,
      employees: random.int(1, 20000),
      assignedTo: owner(random, context.owners, true),
      description: `${name} operates in ${random.pick(words.industries)}.`,
      updatedBy: 'admin',
      doNotCall: random.chance(0.05) ? 1 : 0,
      doNotEmail: random.chance(0.1) ? 1 : 0,
      c_tier: random.pick(['Gold', 'Silver', 'Bronze', null]),
    })
    if (id > 1 && random.chance(0.1)) row.parentAccount = context.nameId('Accounts', random.int(1, id - 1))
    if (random.chance(0.2)) row.primaryContact = link(context, random, 'Contacts')
    dates(row, random)
  },
  Contacts(row, id, random, context) {
    const firstName = random.pick(words.firstNames)
    const lastName = random.pick(words.lastNames)
    const [city, state, country, prefix] = random.pick(words.places)
    const assignedTo =
      context.owners.length > 0 && random.chance(0.85) ? random.pick(context.owners) : 'Anyone'
    Object.assign(row, {
      id,
      name: `${firstName} ${lastName}`,
      firstName,
      lastName,
      title: random.chance(0.8) ? random.pick(words.titles) : null,
      company: random.chance(0.85) ? link(context, random, 'Accounts') : null,
      phone: `${prefix} ${random.int(200, 999)}-${random.int(1000, 9999)}`,
      email: `${slug(`${firstName}.${lastName}`).replace(/-/g, '.')}${id}@example.com`,
      city,
      state,
      country,
      // Private records assigned to a real user are listed; only "Anyone" hides them.
      visibility: assignedTo !== 'Anyone' && random.chance(0.1) ? 0 : 1,
      assignedTo,
      backgroundInfo: random.chance(0.3)
        ? `Met at ${random.pick(words.industries).toLowerCase()} conference.`
        : null,
      updatedBy: 'admin',
      leadSource: random.pick(words.leadSources),
      leadDate: random.chance(0.3) ? random.int(FIRST_DATE, LAST_DATE) : null,
      rating: random.chance(0.4) ? random.int(1, 5) : null,
      dealvalue: random.chance(0.25) ? money(random, 1, 500) : null,
      leadstatus: random.chance(0.5) ? random.pick(words.leadStatuses) : null,
      doNotCall: random.chance(0.05) ? 1 : 0,
      doNotEmail: random.chance(0.1) ? 1 : 0,
      dupeCheck: 0,
      c_region: random.chance(0.85) ? random.pick(['EMEA', 'NA', 'APAC', 'LATAM']) : null,
      c_score: random.chance(0.6) ? random.int(0, 100) : null,
    })
    dates(row, random)
  },
  X2Leads(row, id, random, context) {
    const firstName = random.pick(words.firstNames)
    const lastName = random.pick(words.lastNames)
    Object.assign(row, {
      id,
      name: `${firstName} ${lastName}`,
      firstName,
      lastName,
      company: random.chance(0.6) ? link(context, random, 'Accounts') : null,
      email: `${slug(lastName)}.${id}@lead.example`,
      leadSource: random.pick(words.leadSources),
      leadstatus: random.pick(words.leadStatuses),
      dealvalue: money(random, 1, 1000),
      probability: random.int(0, 10) * 10,
      assignedTo: owner(random, context.owners, true),
      visibility: 1,
      converted: random.chance(0.15) ? 1 : 0,
      updatedBy: 'admin',
      doNotCall: 0,
      doNotEmail: 0,
      dupeCheck: 0,
    })
    if (row.converted === 1) {
      row.convertedToType = 'Contacts'
      row.convertedToId = String(context.pick(random, 'Contacts') ?? '')
      row.conversionDate = random.int(FIRST_DATE, LAST_DATE)
    }
    dates(row, random)
  },
  Opportunity(row, id, random, context) {
    const name = `${random.pick(words.companyStems)} - Deal ${id}`
    const account = link(context, random, 'Accounts')
    const stage = random.pick(salesStages)
    Object.assign(row, {
      id,
      name,
      accountName: account,
      contactName: random.chance(0.6) ? link(context, random, 'Contacts') : null,
      quoteAmount: money(random, 5, 5000),
      salesStage: stage,
      expectedCloseDate: random.int(FIRST_DATE, LAST_DATE + 31536000),
      probability: stage === 'Won' ? 100 : stage === 'Lost' ? 0 : random.int(1, 9) * 10,
      leadSource: random.pick(words.leadSources),
      description: `Opportunity ${id}`,
      assignedTo: owner(random, context.owners, true),
      visibility: random.chance(0.05) ? 0 : 1,
      updatedBy: 'admin',
      doNotCall: 0,
      doNotEmail: 0,
      c_segments: random.chance(0.5)
        ? JSON.stringify([
            ...new Set([random.pick(['smb', 'mid', 'ent', 'pub']), random.pick(['smb', 'mid', 'ent'])]),
          ])
        : null,
      c_renewal: random.chance(0.3) ? random.int(FIRST_DATE, LAST_DATE) : null,
    })
    if (row.visibility === 0 && row.assignedTo === 'Anyone') row.visibility = 1
    dates(row, random)
  },
  Product(row, id, random) {
    Object.assign(row, {
      id,
      name: `${random.pick(words.companyStems)} ${random.pick(['Suite', 'Module', 'License', 'Kit', 'Service'])} ${id}`,
      type: random.pick(['Hardware', 'Software', 'Service']),
      price: random.chance(0.05)
        ? '0.00'
        : `${random.int(1, 99999)}.${String(random.int(0, 99)).padStart(2, '0')}`,
      currency: random.chance(0.8) ? 'USD' : 'EUR',
      status: random.chance(0.9) ? 'Active' : 'Inactive',
      inventory: String(random.int(0, 500)),
      description: `Product ${id}`,
      updatedBy: 'admin',
    })
    dates(row, random)
  },
  Quote(row, id, random, context) {
    const total = random.int(100, 100000)
    Object.assign(row, {
      id,
      name: `Quote ${id}`,
      accountName: link(context, random, 'Accounts'),
      associatedContacts: link(context, random, 'Contacts'),
      status: random.pick(['Draft', 'Presented', 'Accepted', 'Rejected', 'Confirmed']),
      expirationDate: random.int(FIRST_DATE, LAST_DATE),
      assignedTo: owner(random, context.owners, true),
      total: `${total}.00`,
      subtotal: `${total}.00`,
      currency: 'USD',
      locked: 0,
      type: random.chance(0.2) ? 'invoice' : 'quote',
      description: random.chance(0.3) ? '<p>Terms: <b>net 30</b></p>' : null,
      createdBy: 'admin',
      updatedBy: 'admin',
    })
    dates(row, random)
  },
  Services(row, id, random, context) {
    Object.assign(row, {
      id,
      name: String(id),
      contactId: link(context, random, 'Contacts'),
      assignedTo: random.chance(0.9) ? random.pick(context.owners) : 'Anyone',
      impact: random.pick(['1 - Severe', '2 - Moderate', '3 - Minor', '4 - Low']),
      status: random.pick(['New', 'WIP', 'Escalated', 'Closed - Resolved', 'Waiting for response']),
      subject: random.pick(['Laptop will not boot', 'Cannot log in', 'Invoice question', 'Feature request']),
      mainIssue: random.pick(['Hardware', 'Software', 'Billing', 'Other']),
      origin: random.pick(['Phone', 'Email', 'Web']),
      escalatedTo: random.chance(0.1) ? random.pick(context.owners) : null,
      description: 'Customer reports a problem.',
      updatedBy: 'admin',
    })
    if (id > 1000 && random.chance(0.05)) row.parentCase = `${id - 1}_${id - 1}`
    dates(row, random)
  },
  Actions(row, id, random, context) {
    let roll = random.next()
    const type = actionTypes.find(([, share]) => (roll -= share) < 0)?.[0] ?? ''
    const [associationType, entity] = random.pick(associations)
    const associationId = context.pick(random, entity)
    const due = random.int(FIRST_DATE, LAST_DATE)
    const complete = type === 'event' ? null : type === '' ? (random.chance(0.3) ? 'Yes' : 'No') : 'Yes'
    Object.assign(row, {
      id,
      assignedTo: owner(random, context.owners, true),
      subject: type === 'email' ? `Re: proposal ${id}` : null,
      actionDescription:
        type === 'email'
          ? `<p>Hello,</p><p>please find the proposal #${id % 50} attached.</p>`
          : type === 'attachment'
            ? `file_${id}.pdf:${id}`
            : `${type || 'Task'} ${id}: follow up on the ${random.pick(words.industries).toLowerCase()} deal.`,
      eventSubtype: type === 'event' ? random.pick(['Meeting', 'Appointment', 'Call']) : null,
      eventStatus: type === 'event' ? random.pick(['Confirmed', 'Tentative', 'Cancelled']) : null,
      visibility: 1,
      associationType: associationId === undefined ? 'none' : associationType,
      associationId: associationId ?? 0,
      associationName:
        associationId === undefined ? null : context.nameId(entity, associationId).replace(/_\d+$/, ''),
      dueDate: due,
      priority: String(random.int(1, 3)),
      type,
      complete,
      completedBy: complete === 'Yes' ? random.pick(context.owners) : 'Anyone',
      completeDate: complete === 'Yes' ? due + random.int(0, 7200) : null,
      updatedBy: null,
      allDay: type === 'event' ? random.int(0, 1) : null,
      timeSpent: type === 'time' ? random.int(60, 7200) : 0,
      workflowId: type === 'workflow' ? random.int(1, 3) : null,
      stageNumber: type === 'workflow' ? random.int(1, 6) : null,
      flowTriggered: 0,
      reminder: random.chance(0.1) ? 1 : 0,
    })
    row.createDate = due - random.int(0, 864000)
    row.lastUpdated = row.createDate
  },
  Campaign(row, id, random, context) {
    Object.assign(row, {
      id,
      name: `${random.pick(['Spring', 'Summer', 'Q4', 'Launch', 'Renewal'])} Campaign ${id}`,
      assignedTo: random.pick(context.owners),
      listId: link(context, random, 'X2List'),
      category: random.pick(['Marketing', 'Sales']),
      active: random.int(0, 1),
      type: random.pick(['Email', 'Call List', 'Direct Mail']),
      template: '0',
      enableRedirectLinks: 0,
      cost: String(random.int(100, 10000)),
      subject: `News ${id}`,
      content: '<p>Hello {firstName},</p><p>Here is our update.</p>',
      complete: 0,
      visibility: 1,
      launchDate: random.int(FIRST_DATE, LAST_DATE),
      updatedBy: 'admin',
      enableBounceHandling: 0,
    })
    dates(row, random)
  },
  X2List(row, id, random, context) {
    const type = random.chance(0.7) ? 'static' : 'dynamic'
    Object.assign(row, {
      id,
      assignedTo: random.pick(context.owners),
      name: `${random.pick(['Newsletter', 'Event', 'Partner', 'VIP'])} Recipients ${id}`,
      description: `${type} list`,
      type,
      logicType: 'AND',
      modelName: 'Contacts',
      visibility: 1,
      count: random.int(0, 500),
      createDate: random.int(FIRST_DATE, LAST_DATE),
    })
    row.lastUpdated = row.createDate
  },
  Media(row, id, random, context) {
    const [associationType, entity] = random.pick(associations)
    const extension = random.pick(['pdf', 'png', 'csv', 'docx', 'txt'])
    const fileName = `${random.pick(['proposal', 'contract', 'logo', 'notes', 'scan'])}_${id}.${extension}`
    Object.assign(row, {
      id,
      associationType,
      associationId: context.pick(random, entity) ?? 0,
      uploadedBy: random.pick(context.owners),
      fileName,
      name: fileName,
      private: random.chance(0.05) ? 1 : 0,
      description: null,
      mimetype: {
        pdf: 'application/pdf',
        png: 'image/png',
        csv: 'text/csv',
        txt: 'text/plain',
        docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      }[extension],
      filesize: random.int(30, 5_000_000),
      drive: 0,
      accessKey: hex(random, 64),
    })
    dates(row, random, false)
  },
  Docs(row, id, random) {
    Object.assign(row, {
      id,
      name: `${random.pick(['Quote', 'Welcome', 'Follow-up'])} Template ${id}`,
      createdBy: 'admin',
      subject: random.chance(0.5) ? `Subject ${id}` : null,
      text: `<html><body><p>Dear {firstName},</p><p>Template ${id}.</p></body></html>`,
      type: random.pick(['email', 'quote', '']),
      visibility: 1,
      updatedBy: 'admin',
      createDate: random.int(FIRST_DATE, LAST_DATE),
    })
    row.lastUpdated = row.createDate
  },
  Groups(row, id, random) {
    row.id = id
    row.name = `${random.pick(['Sales', 'Support', 'Marketing', 'Finance'])} ${random.pick(['EMEA', 'NA', 'APAC'])} ${id}`
  },
}

function applyDirt(
  row: Row,
  entity: GeneratedEntity,
  kind: ModuleDirtyKind,
  id: number,
  shape: InstanceShape,
): void {
  const linkField = linkFieldOf(entity)
  switch (kind) {
    case 'invalidEmail':
      row.email = 'not-an-email@@example'
      break
    case 'overlongString':
      if (entity === 'Contacts' || entity === 'X2Leads')
        row.lastName = `${String(row.lastName)}${'x'.repeat(120)}`
      row.name = `${String(row.name)} ${'International '.repeat(20)}`.slice(0, 255)
      break
    case 'zeroDate':
      row.createDate = 0
      if ('leadDate' in row) row.leadDate = 0
      break
    case 'danglingLink':
      if (linkField)
        row[linkField.field] = `Ghost ${linkField.target}_${lastIdOf(shape, linkField.target) + 1000}`
      if (entity === 'Actions' || entity === 'Media') row.associationId = lastIdOf(shape, 'Contacts') + 1000
      break
    case 'plainTextCompany':
      row.company = 'Unknown Company That Does Not Exist Inc'
      break
    case 'duplicateAccountName':
      if (id > 1) row.name = nameOf(shape, 'Accounts', id - 1)
      break
    case 'destroyedEmoji':
      if (entity === 'Contacts' || entity === 'X2Leads') row.firstName = `${String(row.firstName)} ????`
      if (entity === 'Actions') row.actionDescription = `Great call ???? ${String(row.actionDescription)}`
      else if (entity !== 'Media') row.name = `${String(row.name)} ????`.slice(0, 255)
      else row.description = 'Photo ???? from the event'
      break
    case 'htmlInText': {
      const field = textFields[entity]
      if (field)
        row[field] =
          '<p>Key account. <b>Renewal</b> due &amp; <a href="https://crm.example/q">quote</a> sent.</p>'
      break
    }
    case 'missingLastName':
      row.lastName = null
      row.name = String(row.firstName)
      break
    case 'hiddenPrivate':
      row.visibility = 0
      row.assignedTo = 'Anyone'
      break
    case 'negativeCount':
      row.employees = -12
      break
    case 'excessDecimals':
      row.annualRevenue = '1250.555'
      break
    case 'invisibleName':
      row.name = '\u200B\u2060'
      break
    case 'trailingNewline': {
      const field = textFields[entity]
      if (field) row[field] = '  Prefers calls after 4pm.\nAsk for Sam.\n'
      break
    }
    case 'plainTextKnownCompany':
      if (lastIdOf(shape, 'Accounts') > 0)
        row.company = nameOf(shape, 'Accounts', 1 + (id % lastIdOf(shape, 'Accounts')))
      break
    case 'unknownOption': {
      const field = entity === 'Opportunity' ? 'salesStage' : entity === 'Product' ? 'status' : 'status'
      row[field] = 'Legacy value'
      break
    }
  }
}

const textFields: Partial<Record<GeneratedEntity, string>> = {
  Accounts: 'description',
  Contacts: 'backgroundInfo',
  Opportunity: 'description',
  Product: 'description',
  Quote: 'description',
  Services: 'description',
  Actions: 'actionDescription',
  Campaign: 'content',
  Docs: 'text',
}

function linkFieldOf(entity: GeneratedEntity): { field: string; target: GeneratedEntity } | undefined {
  switch (entity) {
    case 'Accounts':
      return { field: 'parentAccount', target: 'Accounts' }
    case 'Contacts':
    case 'X2Leads':
      return { field: 'company', target: 'Accounts' }
    case 'Opportunity':
    case 'Quote':
      return { field: 'accountName', target: 'Accounts' }
    case 'Services':
      return { field: 'contactId', target: 'Contacts' }
    case 'Campaign':
      return { field: 'listId', target: 'X2List' }
    default:
      return undefined
  }
}

function hex(random: Random, length: number): string {
  let text = ''
  while (text.length < length)
    text += Math.floor(random.next() * 0x100000000)
      .toString(16)
      .padStart(8, '0')
  return text.slice(0, length)
}

function entityIndex(entity: string): number {
  const index = (GENERATED_ENTITIES as readonly string[]).indexOf(entity)
  return index < 0 ? 97 : index + 1
}

/** A 32-bit mix of three integers (murmur3's finaliser over a simple combination). */
function hash3(a: number, b: number, c: number): number {
  let h =
    Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35) ^ Math.imul(c, 0x27d4eb2f)
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

function unit(hash: number): number {
  return hash / 4294967296
}

function recordRandom(seed: number, entity: string, id: number): Random {
  return createRandom(hash3(seed, entityIndex(entity), id))
}
