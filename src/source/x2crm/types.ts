/**
 * A record exactly as X2CRM API v2 returns it. Any value may arrive as a number or a string (it depends on the
 * PHP version and on the write path), links are `"Name_ID"` strings, dates are unix seconds with 0 meaning empty.
 * Normalizing is the mapping's job, not the reader's.
 */
export type X2crmRecord = Readonly<Record<string, unknown>>

/** One row of `GET api2/{Class}/fields`. Flags arrive as 0/1 numbers or "0"/"1" strings; these are normalized. */
export interface X2crmField {
  fieldName: string
  attributeLabel: string
  type: string
  linkType: string | null
  custom: boolean
  required: boolean
  readOnly: boolean
}

/** One row of `GET api2/users` (admin view), reduced to what a migration uses. */
export interface X2crmUser {
  id: number
  username: string
  emailAddress: string | null
  firstName: string | null
  lastName: string | null
  /** 1 active, 0 inactive */
  status: number
}

export interface ReadOptions {
  /** Only records whose id is greater than this (keyset paging resumes here). @default 0 */
  afterId?: number
  /** @default 1000, the server's cap */
  pageSize?: number
  /** Extra attribute filters with X2CRM operator prefixes, e.g. `{ lastUpdated: '>1700000000' }`. */
  filters?: Readonly<Record<string, string>>
  /**
   * Only these ids, ascending (a delta reading what changed). The MySQL reader honours it; API v2 cannot, so a source
   * that does not must never be asked (delta `--changes changelog` runs on the database only).
   */
  ids?: readonly number[]
}

/** What the migration reads from X2CRM. `createX2crmClient()` implements it over API v2. */
export interface X2crmSource {
  /** Listed records of `entity` (class name, e.g. `Contacts`), ascending by id, streamed page by page. */
  records(entity: string, options?: ReadOptions): AsyncIterable<X2crmRecord>
  /** One record by id; `undefined` when X2CRM answers 404 (deleted). Finds records lists hide. */
  record(entity: string, id: number): Promise<X2crmRecord | undefined>
  /** `GET {Class}/count`: what lists show, which can be fewer than the table holds (hidden private records). */
  count(entity: string, filters?: Readonly<Record<string, string>>): Promise<number>
  fields(entity: string): Promise<X2crmField[]>
  users(): Promise<X2crmUser[]>
}

/** One row of `GET api2/dropdowns`: stored value → label. Ids below 1000 are X2CRM's defaults. */
export interface X2crmDropdown {
  id: number
  name: string
  /** Stored value (what records hold) → label (what users see). */
  options: Readonly<Record<string, string>>
  /** A multi-select dropdown: records hold a JSON array string such as `["A","B"]`. */
  multi: boolean
}

/** One row of `GET api2/models`: a module's model class (custom modules included). */
export interface X2crmModel {
  modelName: string
  title: string
  attributes: readonly string[]
}

/** One row of `GET api2/relationships`. Types are class names; the meaning is undirected (api.md §1.8). */
export interface X2crmRelationship {
  id: number
  firstType: string
  firstId: number
  firstLabel: string | null
  secondType: string
  secondId: number
  secondLabel: string | null
}

/** The rest of what a migration reads through API v2. `createX2crmClient()` implements it too. */
export interface X2crmCatalog {
  dropdowns(): Promise<X2crmDropdown[]>
  /** Every model class the API serves, custom modules included. */
  models(): Promise<X2crmModel[]>
  /** `GET {Class}/{id}/tags`: `["#vip"]`; `[]` when the record has none or is gone. */
  tags(entity: string, id: number): Promise<string[]>
  /** All relationships, ascending by id, by keyset paging (`afterId` resumes). */
  relationships(options?: ReadOptions): AsyncIterable<X2crmRelationship>
  /** `GET {Class}/{id}/Actions`: actions directly associated with one record, ascending by id. */
  actionsOf(entity: string, id: number, options?: ReadOptions): AsyncIterable<X2crmRecord>
}
