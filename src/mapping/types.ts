import type { SourceKey } from '../domain/source-key.ts'
import type { NewColumn } from '../target/dataverse/table-metadata.ts'
import type { TableRef } from '../target/dataverse/types.ts'

/**
 * How one X2CRM value becomes one Dataverse value. Each is a pure function: in `transforms.ts`, or for X2CRM's numbers,
 * flags and dates the parser of src/source/x2crm/normalize/scalars.ts.
 * - `text`: the string exactly as X2CRM holds it (trimmed only with `trim: true`); empty or only white space → null;
 *   HTML kept as is
 * - `email`: a valid address or null with a warning
 * - `phone`, `url`: cleaned string or null
 * - `integer`, `decimal`, `boolean`: from numbers or strings ("1", "0", 1, 0, "Yes")
 * - `unixToIso`: unix seconds → ISO 8601 UTC; 0 or empty → null
 * - `unixToDate`: unix seconds → `yyyy-MM-dd`; 0 or empty → null
 * - `link`: nameId `"Name_ID"` → a lookup to the target table (split at the last `_`; plain text = unresolved)
 * - `owner`: assignment (username, `"a, b"`, group id, `Anyone`) → `ownerid` via the user map
 * - `choice`: a dropdown's stored value → the choice value in `choices`; an unknown value → null with a warning
 * - `multiChoice`: a multi-select dropdown (JSON array or comma list) → `"1,2"` through `choices`
 * - `regarding`: `associationType` + `associationId` (the field) → a polymorphic lookup (`regardingobjectid`, or a
 *   note's `objectid`) to the record of one of the classes in `regardingTo`, in whichever of their tables it loaded
 * - `activityState`: an action's `complete` / `eventStatus` → `statecode` + `statuscode`, set in the link pass
 *   (activities are created open and closed last)
 * - `actionSubject`: `subject`, else the description's first line, else `<Type> <id>` (Dataverse requires one)
 * - `secondsToMinutes`: whole seconds (an action's `timeSpent`) → whole minutes, rounded; 0 or empty → null
 * - `priceList`: a currency code (`USD`) → the run's price list of that currency (`pricelevelid`), and on a quote or
 *   price list item its currency (`transactioncurrencyid`) too (src/mapping/sales-transforms.ts)
 * - `unit`: the run's unit group and default unit on a product (`defaultuomscheduleid`, `defaultuomid`), price list
 *   item (`uomid`, `uomscheduleid`) or quote line of a catalog product (`uomid`); a quote line without a product is
 *   written in (`isproductoverridden`)
 */
export type TransformName =
  | 'text'
  | 'email'
  | 'phone'
  | 'url'
  | 'integer'
  | 'decimal'
  | 'boolean'
  | 'unixToIso'
  | 'unixToDate'
  | 'link'
  | 'owner'
  | 'choice'
  | 'multiChoice'
  | 'regarding'
  | 'activityState'
  | 'actionSubject'
  | 'secondsToMinutes'
  | 'priceList'
  | 'unit'

export interface FieldMap {
  /** X2CRM field name */
  source: string
  /** Dataverse column logical name, or for `link`/`owner` the navigation property (`parentcustomerid_account`). */
  target: string
  transform: TransformName
  /**
   * For `text`: remove white space at both ends (as x2d365 did for every text before). @default false: the text
   * arrives exactly, a note's trailing newline included, so verify can compare it whole.
   */
  trim?: boolean
  /** For `link`: the X2CRM class the nameId points at and the table it was loaded into. */
  linkTo?: { entity: string; table: TableRef }
  /** For `regarding`: the classes the record may be about, and the tables they load into (a split class twice). */
  regardingTo?: readonly { entity: string; table: TableRef }[]
  /** For `regarding`: the field naming the parent's class. @default 'associationType' */
  typeField?: string
  /**
   * 2 = set in a second pass, after every phase of the first: the parent may load later (a self-reference such as
   * parentAccount, or a cycle such as account.primarycontactid ↔ contact.parentcustomerid). @default 1
   */
  pass?: 1 | 2
  /** For `choice`/`multiChoice`: X2CRM stored value → Dataverse choice value. */
  choices?: Readonly<Record<string, number>>
  /** Options `schema apply` adds to the target choice column: value → label. */
  newOptions?: Readonly<Record<string, string>>
  /** Set when the column does not exist yet and `schema apply` creates it. */
  create?: NewColumn
}

/**
 * One condition of a record filter (the Lead/Contact split). `field`: the record's value is one of `in` (compared
 * trimmed and case-insensitively; `''` matches empty); `tag`: the record carries one of the tags; `hasCompany`: the
 * link field is (or is not) set.
 */
export type RecordCondition =
  | { type: 'field'; field: string; in: readonly string[] }
  | { type: 'tag'; tags: readonly string[] }
  | { type: 'hasCompany'; field: string; value: boolean }

/** Which records of an entity an entity map takes. `negate` takes the others. */
export interface RecordFilter {
  match: 'any' | 'all'
  conditions: readonly RecordCondition[]
  negate?: boolean
}

export interface EntityMap {
  /** X2CRM class name, e.g. `Accounts` */
  entity: string
  table: TableRef
  fields: readonly FieldMap[]
  /**
   * Only the records this filter takes (the Lead/Contact split gives two entity maps of `Contacts`). Without it,
   * every record.
   */
  where?: RecordFilter
  /** A unique phase name when one entity loads into two tables (`Contacts→lead`). @default entity */
  name?: string
  /** X2CRM fields the map leaves out on purpose (`skip: true`); set by `parseMapping`. */
  skipped?: readonly string[]
  /** Column that receives the X2CRM id (as text) on every row, for audit and the alternate key. */
  sourceIdColumn?: string
  /** Constant column values set on every row before the mapped fields (`productstructure: 1`). */
  defaults?: Readonly<Record<string, unknown>>
  /** Set when the table does not exist yet and `schema apply` creates it (a custom table). */
  createTable?: { label: string; primaryName: string }
  /**
   * Match records to rows that already exist in Dataverse instead of creating duplicates: a record not loaded yet
   * is loaded onto the one existing row whose `columns` (target columns this map fills with text) all equal its
   * values, compared case-insensitively as Dataverse compares. Without it, every record not loaded yet is created.
   */
  dedupe?: Dedupe
  /**
   * An activity's parties (e-mails): the participation type (1 sender, 2 to) of its owner and of the record it is
   * about, sent as `<table>_activity_parties` with the row.
   */
  parties?: { owner: number; regarding: number }
  /**
   * Opportunities: loaded open, then closed after everything else, won or lost as `field` says, through
   * WinOpportunity / LoseOpportunity with an opportunityclose carrying the actual revenue and close date.
   */
  close?: OpportunityCloseRule
  /**
   * Cases: loaded open, then after everything else resolved through CloseIncident (with an incidentresolution) or
   * cancelled, as `field` says.
   */
  caseClose?: CaseCloseRule
  /**
   * Marketing lists: after everything else, each static list's members (X2CRM `x2_list_items`) are added through
   * AddListMembersList; a dynamic list's criteria go to the reconstruction document.
   */
  listMembers?: ListMembersRule
  /** Media: each record's file is read (the uploads folder or getFile) into the note's documentbody. */
  attachments?: boolean
  /** Products: published after the load (Draft → Active), then retired where X2CRM has them inactive. */
  productStates?: ProductStateRule
  /** Quotes: loaded as drafts, then activated, won (WinQuote) or closed (CloseQuote) last, as `field` says. */
  quoteStates?: QuoteStateRule
  /** Which repairs of known X2CRM dirt apply to this entity's records. @default every repair on */
  repairs?: Repairs
}

/** Which X2CRM opportunities are won or lost, and where the close's revenue and date come from. */
export interface OpportunityCloseRule {
  /** X2CRM field holding the stage (`salesStage`). */
  field: string
  /** Its values that mean won (`Won`) and lost (`Lost`), compared trimmed and ignoring case. */
  won: readonly string[]
  lost: readonly string[]
  /** X2CRM field with the deal's amount (`quoteAmount`) → actualrevenue. */
  revenue?: string
  /** X2CRM fields tried in order for the close date (unix seconds) → actualend. */
  closeDate?: readonly string[]
}

/** Which X2CRM cases are resolved or cancelled, and what their incidentresolution says. */
export interface CaseCloseRule {
  /** X2CRM field holding the case's status (`status`). */
  field: string
  /** Its values that mean resolved (`Closed - Resolved`) and cancelled, compared trimmed and ignoring case. */
  resolved: readonly string[]
  cancelled: readonly string[]
  /** X2CRM field whose text becomes the resolution's subject (`resolution`); else "Resolved: <title>". */
  resolution?: string
  /** X2CRM fields tried in order for the resolution date (unix seconds) → actualend. */
  closeDate?: readonly string[]
}

/** Where a list's members come from and which Dataverse table they load into. */
export interface ListMembersRule {
  /** X2CRM field with the list's kind: `static` lists have members, `dynamic` ones criteria. @default 'type' */
  typeField?: string
  /** The X2CRM class of the members (`Contacts`) and the table it loaded into. */
  memberOf: { entity: string; table: TableRef }
}

/** Which X2CRM products are retired in Dataverse. */
export interface ProductStateRule {
  /** X2CRM field holding the status (`status`). */
  field: string
  /** Its values that mean retired (`Inactive`), compared trimmed and ignoring case. */
  retired: readonly string[]
}

/** Which X2CRM quotes are active, won or closed (lost) in Dataverse; any other status stays a draft. */
export interface QuoteStateRule {
  /** X2CRM field holding the status (`status`, dropdown 106: Draft, Presented, Issued, Won). */
  field: string
  active: readonly string[]
  won: readonly string[]
  closed: readonly string[]
}

/**
 * Repairs of known X2CRM dirt. Each is a named rule, on by default, switched off in mapping.yaml with
 * `settings.repairs` (every entity) or `entities.<class>.repairs` (one entity); each repair it makes is a warning on
 * the record starting `repair <name>:`, so the report counts them.
 */
export interface Repairs {
  /**
   * A link X2CRM holds as plain text (a company field of "Acme Corp" without `_ID`, left by an import) is linked to
   * the record of the target class named exactly so, when there is exactly one; none or several → left empty with a
   * warning naming the count and candidates. @default true
   */
  linkByName: boolean
  /**
   * A class or module name written in another letter case than X2CRM's (an action's associationType
   * `Opportunities` for `opportunities`) is read as that class, with a warning; off → no link, with a warning.
   * @default true
   */
  caseInsensitiveClass?: boolean
  /**
   * A dropdown value matching an option of the map only when trimmed and compared ignoring case (`" hot"` for `Hot`,
   * as imports store values) takes that option, with a warning; off → left empty, with a warning. @default true
   */
  caseInsensitiveChoice?: boolean
}

/** How an entity map finds its records among the rows that were in Dataverse before the migration. */
export interface Dedupe {
  /** Target columns, e.g. `['name', 'websiteurl']` for accounts; `['emailaddress1']` is a common choice for contacts. */
  columns: readonly string[]
}

/**
 * How X2CRM tags move: a multi-select choice column on each table (`options`: tag → choice value, which `schema
 * apply` creates), a text column holding them as `#a, #b`, or a tag table linked to the records.
 */
export type TagsChoice =
  | { mode: 'none' }
  | { mode: 'multiselect'; column: string; options?: Readonly<Record<string, number>> }
  | { mode: 'text'; column: string }
  | { mode: 'table'; table: string }

/** Settings of the whole map. */
export interface MappingSettings {
  /** Customization prefix of the publisher that owns created columns. @default 'new_' */
  publisherPrefix: string
  /** Column on every table holding the X2CRM id, with an alternate key on it. @default '<prefix>x2crmid' */
  sourceIdColumn: string
  tags: TagsChoice
  /** X2CRM groups → Dataverse owner teams (src/run/teams.ts). @default matched by name, none created */
  teams?: TeamSettings
  /** Create records as their X2CRM author (`createdBy`) by impersonation (CallerObjectId). */
  impersonateAuthors?: boolean
}

/** How X2CRM groups become Dataverse owner teams. */
export interface TeamSettings {
  /** Create an owner team for a group no team is named after. @default false */
  create?: boolean
  /** X2CRM group name → the name of its Dataverse team, where they differ. */
  names?: Readonly<Record<string, string>>
}

/** A normalized, trusted map. Entities are listed in load order. */
export interface Mapping {
  entities: readonly EntityMap[]
  /** Absent in maps built in code (`defaultMapping()`). */
  settings?: MappingSettings
}

/** A lookup the transform found; the run binds it only if the parent record is in Dataverse. */
export interface LinkRef {
  field: string
  nav: string
  entitySet: string
  parentKey: SourceKey
  parentTargetId: string
  pass: 1 | 2
  /**
   * A polymorphic lookup (`regarding`): the navigation property for each entity set the parent may have loaded into;
   * the link binds into whichever holds it.
   */
  navBySet?: Readonly<Record<string, string>>
}

/** What the transform needs from outside, passed in so the transform stays pure. */
export interface TransformContext {
  /** Deterministic target id of a source record (UUID v5 of instance, class, id). */
  targetIdFor(entity: string, sourceId: number): string
  /** `systemuserid` for an X2CRM username, or undefined when the user is not mapped. */
  ownerFor(username: string): string | undefined
  /** `systemuserid` of the default owner, who takes records assigned to `Anyone` (else the application user would). */
  defaultOwnerId?: string
  /**
   * `systemuserid` of the default owner when it covers groups: it takes records assigned to groups alone that neither
   * `ownerBindFor` nor `teamFor` gives an owner (else the application user would).
   */
  groupsOwnerId?: string
  /**
   * The owner users.yaml decided for an X2CRM username or group id, as an `@odata.bind` path (`/systemusers(…)`,
   * `/teams(…)`); wins over `ownerFor`. Undefined when nothing was decided for it.
   */
  ownerBindFor?(assignee: string): string | undefined
  /** Ids of the records of a class named exactly so (the `linkByName` repair); undefined when not known. */
  idsNamed?(entity: string, name: string): readonly number[] | undefined
  /** The unit group, unit and price lists the run prepared (`priceList`, `unit` transforms). */
  salesCatalog?: SalesCatalog
  /** The Entra object id to create a record of this X2CRM author as (CallerObjectId), or undefined (src/run/authors.ts). */
  authorObjectIdFor?(username: string): string | undefined
  /** `teamid` of the Dataverse team an X2CRM group id maps to, or undefined (the group owns nothing). */
  teamFor?(groupId: string): string | undefined
}

/** What `priceList` and `unit` bind to: found or created before the first phase (src/run/sales-catalog.ts). */
export interface SalesCatalog {
  unitGroupId: string
  unitId: string
  /** The price list and currency of a currency code; undefined when Dataverse has no such currency. */
  priceListFor(currency: string): { priceLevelId: string; currencyId: string } | undefined
}

export type TransformResult =
  | {
      status: 'ok'
      sourceKey: SourceKey
      targetId: string
      /** Column values for pass 1, without lookups. */
      values: Record<string, unknown>
      links: LinkRef[]
      warnings: string[]
      /** Columns set in the link pass, after every record is in (an activity's state: created open, closed last). */
      later?: Record<string, unknown>
    }
  | { status: 'skipped'; sourceKey: SourceKey; reason: string }
  | { status: 'invalid'; sourceKey: SourceKey; issues: string[] }
