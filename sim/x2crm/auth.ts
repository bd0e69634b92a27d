import type { UserAccess, X2crmDataset } from './dataset.ts'
import type { Row } from './query.ts'
import { ApiReply } from './responses.ts'

/** `Api2Controller::filterAuthenticate`: HTTP Basic with a username or userAlias and the user's API key. */

export interface ApiUser {
  username: string
  access: UserAccess
  row: Row
}

const REALM = { 'WWW-Authenticate': 'Basic realm="X2Engine API v2"' }

/** The authenticated user, or throws the 401 the server sends. */
export function authenticate(
  authorization: string | null,
  users: readonly Row[],
  dataset: X2crmDataset,
): ApiUser {
  const [username, key] = basicCredentials(authorization)
  if (!username) throw new ApiReply(401, 'Missing user credentials: user', REALM)
  if (!key) throw new ApiReply(401, 'Missing user credentials: pw', REALM)
  const row = users.find((user) => user.username === username || user.userAlias === username)
  const storedName = typeof row?.username === 'string' ? row.username : undefined
  const storedKey = storedName === undefined ? undefined : dataset.apiKeys[storedName]
  if (!row || storedName === undefined || storedKey === undefined || storedKey !== key) {
    throw new ApiReply(401, 'Invalid user credentials.', REALM)
  }
  if (storedKey.trim() === '')
    throw new ApiReply(401, 'API access has been disabled for the specified user.', REALM)
  return { username: storedName, access: accessOf(storedName, dataset), row }
}

export function accessOf(username: string, dataset: X2crmDataset): UserAccess {
  return dataset.access?.[username] ?? (username === 'admin' ? 'admin' : 'user')
}

/** `explode(':', base64_decode(substr($header, 6)))`: the first two parts. */
export function basicCredentials(authorization: string | null): [string | undefined, string | undefined] {
  if (!authorization || !/^basic /i.test(authorization)) return [undefined, undefined]
  const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8')
  const [username, key] = decoded.split(':')
  return [username, key]
}
