import { createHash } from 'node:crypto'

/**
 * Dataverse users for the demo: most X2CRM users have one with the same e-mail, a few do not, so the owner
 * reconciliation has something to show.
 */
export function demoSystemUsers(x2crmUsers: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  return x2crmUsers
    .filter((_, index) => index % 5 !== 4)
    .map((user) => {
      const email = typeof user['emailAddress'] === 'string' ? user['emailAddress'] : ''
      return {
        systemuserid: uuidFrom(`demo-systemuser:${email}`),
        internalemailaddress:
          email.toUpperCase() === email ? email : email.replace(/^./, (c) => c.toUpperCase()),
        firstname: typeof user['firstName'] === 'string' ? user['firstName'] : 'Demo',
        lastname: typeof user['lastName'] === 'string' ? user['lastName'] : 'User',
        isdisabled: false,
      }
    })
    .filter((user) => user.internalemailaddress !== '')
}

function uuidFrom(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}
