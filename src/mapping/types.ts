import type { SourceKey } from '../ledger/ledger.ts'
import type { TableRef } from '../target/dataverse/types.ts'

/**
 * How one X2CRM value becomes one Dataverse value. Each is a pure function in `transforms.ts`.
 * - `text`: trimmed string, empty → null; HTML kept as is
 * - `email`: a valid address or null with a warning
 * - `phone`, `url`: cleaned string or null
 * - `integer`, `decimal`, `boolean`: from numbers or strings ("1", "0", 1, 0, "Yes")
 * - `unixToIso`: unix seconds → ISO 8601 UTC; 0 or empty → null
 * - `unixToDate`: unix seconds → `yyyy-MM-dd`; 0 or empty → null
 * - `link`: nameId `"Name_ID"` → a lookup to the target table (split at the last `_`; plain text = unresolved)
 * - `owner`: assignment (username, `"a, b"`, group id, `Anyone`) → `ownerid` via the user map
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

export interface FieldMap {
  /** X2CRM field name */
  source: string
  /** Dataverse column logical name, or for `link`/`owner` the navigation property (`parentcustomerid_account`). */
  target: string
  transform: TransformName
  /** For `link`: the X2CRM class the nameId points at and the table it was loaded into. */
  linkTo?: { entity: string; table: TableRef }
  /**
   * 2 = set in a second pass, after every phase of the first: the parent may load later (a self-reference such as
   * parentAccount, or a cycle such as account.primarycontactid ↔ contact.parentcustomerid). @default 1
   */
  pass?: 1 | 2
}

export interface EntityMap {
  /** X2CRM class name, e.g. `Accounts` */
  entity: string
  table: TableRef
  fields: readonly FieldMap[]
}

/** A normalized, trusted map. Entities are listed in load order. */
export interface Mapping {
  entities: readonly EntityMap[]
}

/** A lookup the transform found; the run binds it only if the parent record is in Dataverse. */
export interface LinkRef {
  field: string
  nav: string
  entitySet: string
  parentKey: SourceKey
  parentTargetId: string
  pass: 1 | 2
}

/** What the transform needs from outside, passed in so the transform stays pure. */
export interface TransformContext {
  /** Deterministic target id of a source record (UUID v5 of instance, class, id). */
  targetIdFor(entity: string, sourceId: number): string
  /** `systemuserid` for an X2CRM username, or undefined when the user is not mapped. */
  ownerFor(username: string): string | undefined
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
    }
  | { status: 'skipped'; sourceKey: SourceKey; reason: string }
  | { status: 'invalid'; sourceKey: SourceKey; issues: string[] }
