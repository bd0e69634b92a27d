import type { SourceKey } from '../domain/source-key.ts'
import type { Mapping, TransformContext, TransformResult } from '../mapping/types.ts'
import { trimmedText } from '../source/x2crm/normalize/scalars.ts'
import type { X2crmRecord } from '../source/x2crm/types.ts'
import type { DataverseTarget } from '../target/dataverse/types.ts'

/** X2CRM fields naming who created a record, tried in order: `createdBy` (Quote, Docs), `uploadedBy` (Media). */
export const AUTHOR_FIELDS: readonly string[] = ['createdBy', 'uploadedBy']

/** Whether records are created as their authors: `settings.impersonateAuthors`, on by default. */
export const impersonatesAuthors = (mapping: Mapping) => mapping.settings?.impersonateAuthors ?? true

interface SystemUserIdentity {
  systemuserid: string
  azureactivedirectoryobjectid?: string | null
  isdisabled?: boolean | null
}

/**
 * The context with `authorObjectIdFor`: an X2CRM username → the Entra object id of its own, enabled Dataverse user
 * (matched as owners are: by hand, e-mail or name; a user who falls to the default owner has none). Dataverse acts
 * as that user for a request carrying `CallerObjectId`, and refuses a disabled or unknown one (403).
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/impersonate-another-user-web-api
 */
export async function withAuthors(
  context: TransformContext,
  mapping: Mapping,
  deps: { target: Pick<DataverseTarget, 'query'> },
): Promise<TransformContext> {
  if (!impersonatesAuthors(mapping)) return context
  const objectIds = new Map<string, string>()
  for await (const row of deps.target.query('systemusers', {
    select: ['systemuserid', 'azureactivedirectoryobjectid', 'isdisabled'],
  })) {
    const user = row as unknown as SystemUserIdentity
    const objectId = user.azureactivedirectoryobjectid
    if (user.isdisabled !== true && typeof objectId === 'string' && objectId !== '')
      objectIds.set(user.systemuserid.toLowerCase(), objectId)
  }
  return {
    ...context,
    authorObjectIdFor: (username) => {
      const userId = context.ownerFor(username)
      if (userId === undefined || userId === context.defaultOwnerId) return undefined
      return objectIds.get(userId.toLowerCase())
    },
  }
}

/** The author's username of a record, from the first of {@link AUTHOR_FIELDS} it fills. Pure. */
export function authorOf(record: X2crmRecord): string | undefined {
  for (const field of AUTHOR_FIELDS) {
    const name = trimmedText(record[field]).value
    if (name !== null) return name
  }
  return undefined
}

/**
 * For one batch of the first pass: the object id to create each record as, and a warning on each record whose
 * author has no enabled Dataverse user (it is created by the application user, owned as the owner rule says).
 * Records with no author field are created as before, without a warning. Pure.
 */
export function authorsOfBatch(
  records: readonly X2crmRecord[],
  transformed: readonly TransformResult[],
  context: Pick<TransformContext, 'authorObjectIdFor'>,
): { transformed: TransformResult[]; authorOf: (sourceKey: SourceKey) => string | undefined } {
  const ids = new Map<SourceKey, string>()
  const lookup = context.authorObjectIdFor
  if (lookup === undefined) return { transformed: [...transformed], authorOf: () => undefined }
  const out = transformed.map((t, i) => {
    const author = authorOf(records[i] ?? {})
    if (t.status !== 'ok' || author === undefined) return t
    const objectId = lookup(author)
    if (objectId !== undefined) {
      ids.set(t.sourceKey, objectId)
      return t
    }
    const field = AUTHOR_FIELDS.find((f) => trimmedText(records[i]?.[f]).value !== null) ?? 'createdBy'
    return {
      ...t,
      warnings: [
        ...t.warnings,
        `${field}: X2CRM user "${author}" has no enabled Dataverse user with an Entra ID to create it as; created by the application user (createdby), owned by the owner rule`,
      ],
    }
  })
  return { transformed: out, authorOf: (key) => ids.get(key) }
}
