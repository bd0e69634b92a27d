import type { SimRequest } from '../serve.ts'
import type { Store } from './store.ts'

const GET_FILE = /^(\/index\.php)?\/media\/media\/getFile$/

/** What a guest sees when X2CRM denies access: its login page (the redirect followed), 200 and HTML. */
const LOGIN_PAGE =
  '<!DOCTYPE html><html><head><title>X2CRM - Login</title></head><body><form id="login-form" action="/index.php/site/login" method="post"></form></body></html>'

/**
 * `GET {site}/index.php/media/media/getFile?id={id}&key={accessKey}` (docs/x2crm/api.md §1.11): the file's raw
 * bytes with the stored MIME type and no Content-Disposition, for a guest whose key equals the record's access key.
 * Another key (or none) is denied: a guest lands on the login page, 200 HTML. A record whose file is not on the
 * server's disk answers 404, as Yii's CHttpException does. Undefined for any other path (the API handles it).
 */
export function getFileResponse(
  request: SimRequest,
  url: URL,
  store: Pick<Store, 'get'>,
  files: Readonly<Record<string, string>> | undefined,
): Response | undefined {
  if (!GET_FILE.test(url.pathname)) return undefined
  if (request.method !== 'GET' && request.method !== 'HEAD') return new Response(null, { status: 405 })
  const id = Number(url.searchParams.get('id'))
  const media = Number.isSafeInteger(id) ? store.get('Media', id) : undefined
  const key = url.searchParams.get('key')
  if (media === undefined) return htmlError(404, 'The requested page does not exist.')
  const accessKey = typeof media['accessKey'] === 'string' ? media['accessKey'] : ''
  if (accessKey === '' || key !== accessKey) {
    return new Response(LOGIN_PAGE, { status: 200, headers: { 'content-type': 'text/html; charset=UTF-8' } })
  }
  const body = files?.[String(id)]
  if (body === undefined) return htmlError(404, 'The requested file does not exist.')
  const bytes = Buffer.from(body, 'base64')
  const mimetype = typeof media['mimetype'] === 'string' ? media['mimetype'] : 'application/octet-stream'
  return new Response(request.method === 'HEAD' ? null : bytes, {
    status: 200,
    headers: { 'content-type': mimetype, 'content-length': String(bytes.length) },
  })
}

function htmlError(status: number, message: string): Response {
  return new Response(`<!DOCTYPE html><html><body><h1>Error ${status}</h1><p>${message}</p></body></html>`, {
    status,
    headers: { 'content-type': 'text/html; charset=UTF-8' },
  })
}
