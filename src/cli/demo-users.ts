import { createHash } from 'node:crypto'

/** The Dataverse user that owns records whose X2CRM owner has no Dataverse user, in the demo and the tests. */
export const DEMO_DEFAULT_OWNER = 'migration@x2d365.example'

/**
 * Dataverse users for the demo: a migration owner, and most X2CRM users with a user of the same e-mail; a few have
 * none, so the owner reconciliation has something to show.
 */
export function demoSystemUsers(x2crmUsers: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  const matched = x2crmUsers
    .filter((_, index) => index % 5 !== 4)
    .map((user) => {
      const email = typeof user['emailAddress'] === 'string' ? user['emailAddress'] : ''
      return {
        systemuserid: uuidFrom(`demo-systemuser:${email}`),
        // Another case than X2CRM's: matching by e-mail ignores case.
        internalemailaddress: email.replace(/^./, (c) => c.toUpperCase()),
        firstname: typeof user['firstName'] === 'string' ? user['firstName'] : 'Demo',
        lastname: typeof user['lastName'] === 'string' ? user['lastName'] : 'User',
        isdisabled: false,
        // Its Entra ID user: records are created as it (CallerObjectId) where X2CRM names it their author.
        azureactivedirectoryobjectid: uuidFrom(`demo-entra:${email}`),
      }
    })
    .filter((user) => user.internalemailaddress !== '')
  const migrationOwner = {
    systemuserid: uuidFrom('demo-systemuser:default-owner'),
    internalemailaddress: DEMO_DEFAULT_OWNER,
    firstname: 'Migration',
    lastname: 'Owner',
    isdisabled: false,
  }
  return [migrationOwner, ...matched]
}

function uuidFrom(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}
