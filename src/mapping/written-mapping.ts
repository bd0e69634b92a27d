import { z } from 'zod'
import { timelineKeys } from './written-timeline.ts'

/**
 * mapping.yaml as the user wrote it. `parseMapping` checks it against this schema, then normalizes it into a
 * trusted `Mapping`. Every key is documented in the file `writeMapping` produces.
 */
const Transform = z.enum([
  'text',
  'email',
  'phone',
  'url',
  'integer',
  'decimal',
  'boolean',
  'unixToIso',
  'unixToDate',
  'link',
  'owner',
  'choice',
  'multiChoice',
  'regarding',
  'activityState',
  'actionSubject',
  'secondsToMinutes',
  'priceList',
  'unit',
])

const ColumnType = z.enum([
  'String',
  'Memo',
  'Integer',
  'Decimal',
  'Money',
  'Boolean',
  'DateTime',
  'Picklist',
  'MultiSelectPicklist',
])

const Name = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a name of letters, digits and _')
const ChoiceValue = z.number().int('must be a whole number')

const WrittenNewColumn = z.strictObject({
  type: ColumnType,
  maxLength: z.number().int().min(1).max(1_048_576).optional(),
  label: z.string().min(1),
  dateOnly: z.boolean().optional(),
})

const WrittenField = z.union([
  z.strictObject({
    skip: z.literal(true),
    /** Why it is not migrated, for the reviewer. */
    reason: z.string().optional(),
    review: z.string().optional(),
  }),
  z.strictObject({
    /**
     * The X2CRM field this line reads, when the line's key is not that field: one field into two columns (a product's
     * `id` is its product number, and `id_defaultuomid: { source: id, target: defaultuomid, transform: unit }`).
     */
    source: Name.optional(),
    target: Name,
    transform: Transform,
    /** For `text`: remove white space at both ends. Without it the text arrives exactly as X2CRM holds it. */
    trim: z.boolean().optional(),
    /** For `link`: the X2CRM class (an entity of this map) the value points at. */
    linkTo: Name.optional(),
    /** For `regarding`: the X2CRM classes (entities of this map) the record may be about. */
    regardingTo: z.array(Name).optional(),
    pass: z.union([z.literal(1), z.literal(2)]).optional(),
    /** For `choice`/`multiChoice`: X2CRM stored value → choice value. */
    choices: z.record(z.string(), ChoiceValue).optional(),
    /** Options `schema apply` adds: choice value → label. */
    newOptions: z
      .record(z.string().regex(/^-?\d+$/, 'must be a choice value (a whole number)'), z.string())
      .optional(),
    create: WrittenNewColumn.optional(),
    /** Set by the proposer when it is not sure; remove it once a person has checked the line. */
    review: z.string().optional(),
  }),
])

const WrittenCondition = z.union([
  z.strictObject({ field: Name, in: z.array(z.union([z.string(), z.number().transform(String)])).min(1) }),
  z.strictObject({ tag: z.union([z.string(), z.array(z.string()).min(1)]) }),
  z.strictObject({ hasCompany: z.boolean(), field: Name.optional() }),
])

/** Repairs of known X2CRM dirt, each on unless switched off here (see Repairs in types.ts). */
const WrittenRepairs = z.strictObject({
  /** A link held as plain text ("Acme Corp" without `_ID`) is linked to the one record of exactly that name. */
  linkByName: z.boolean().optional(),
  /** A class or module name in another letter case (associationType `Opportunities`) is read as that class. */
  caseInsensitiveClass: z.boolean().optional(),
  /** A dropdown value equal to an option only trimmed and ignoring case takes that option. */
  caseInsensitiveChoice: z.boolean().optional(),
})

/** Existing Dataverse rows a record is matched to by these target columns (see EntityMap.dedupe). */
const WrittenDedupe = z.strictObject({ columns: z.array(Name).min(1) })

const WrittenSplit = z.strictObject({
  /** The table that records matching `when` go to (`lead`). */
  table: Name,
  match: z.enum(['any', 'all']).default('any'),
  when: z.array(WrittenCondition).min(1),
  fields: z.record(z.string(), WrittenField),
  defaults: z.record(z.string(), z.unknown()).optional(),
  dedupe: WrittenDedupe.optional(),
})

const WrittenEntity = z.strictObject({
  table: Name,
  entitySet: Name.optional(),
  primaryId: Name.optional(),
  /** A custom table `schema apply` creates. */
  createTable: z.strictObject({ label: z.string().min(1), primaryName: Name }).optional(),
  fields: z.record(z.string(), WrittenField),
  /** Constant column values for every row (e.g. `productstructure: 1`). */
  defaults: z.record(z.string(), z.unknown()).optional(),
  /** Match records to rows already in Dataverse by these target columns instead of creating duplicates. */
  dedupe: WrittenDedupe.optional(),
  split: WrittenSplit.optional(),
  /** Switches repairs for this entity (over `settings.repairs`). */
  repairs: WrittenRepairs.optional(),
  ...timelineKeys(WrittenCondition),
})

const WrittenTags = z.union([
  z.strictObject({ mode: z.literal('none') }),
  z.strictObject({
    mode: z.literal('multiselect'),
    column: Name.optional(),
    /** Tag → choice value; `map propose` writes X2CRM's tags, `schema apply` creates the options. */
    options: z.record(z.string(), z.number().int()).optional(),
  }),
  z.strictObject({ mode: z.literal('text'), column: Name.optional() }),
  z.strictObject({ mode: z.literal('table'), table: Name.optional() }),
])

export const WrittenMappingSchema = z.strictObject({
  version: z.literal(1),
  settings: z
    .strictObject({
      publisherPrefix: z
        .string()
        .regex(/^[a-z][a-z0-9]{1,7}_$/, 'must be 2–8 lowercase letters or digits and a trailing _, like new_')
        .default('new_'),
      sourceIdColumn: Name.optional(),
      tags: WrittenTags.default({ mode: 'multiselect' }),
      /** Switches repairs for every entity (each is on by default). */
      repairs: WrittenRepairs.optional(),
      /**
       * X2CRM groups → Dataverse owner teams: matched by name (`names` renames: X2CRM group → team), created when
       * `create` is true; records assigned to a group are owned by its team.
       */
      teams: z
        .strictObject({
          create: z.boolean().optional(),
          names: z.record(z.string(), z.string().min(1).max(160)).optional(),
        })
        .optional(),
      /** Create each record as its X2CRM author (`createdBy`) through CallerObjectId, so `createdby` is that user. */
      impersonateAuthors: z.boolean().optional(),
    })
    .default({ publisherPrefix: 'new_', tags: { mode: 'multiselect' } }),
  entities: z.record(z.string(), WrittenEntity),
})

export type WrittenMapping = z.input<typeof WrittenMappingSchema>
export type WrittenMappingParsed = z.output<typeof WrittenMappingSchema>
export type WrittenEntity = z.output<typeof WrittenEntity>
export type WrittenField = z.output<typeof WrittenField>
export type WrittenSplit = z.output<typeof WrittenSplit>
export type WrittenCondition = z.output<typeof WrittenCondition>
export type WrittenDedupe = z.output<typeof WrittenDedupe>
