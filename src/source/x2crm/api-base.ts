import { ConfigError, redactUrl } from '../../errors.ts'

/**
 * The API v2 base (`…/index.php/api2`, no trailing slash) for a site URL, an `…/index.php` URL or the API base
 * itself. `index.php/` is kept because it works whether or not the server rewrites URLs (docs: x2crm/api.md §1.1).
 * An `…/api2` URL without `index.php` is taken as is: the site rewrites.
 * @example normalizeX2crmApiBase('https://crm.example.com/') // 'https://crm.example.com/index.php/api2'
 */
export function normalizeX2crmApiBase(url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url.trim())
  } catch {
    throw new ConfigError([`x2crm url: "${redactUrl(url)}" is not a URL`])
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ConfigError([`x2crm url: "${redactUrl(url)}" must start with https:// or http://`])
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new ConfigError([
      `x2crm url: "${redactUrl(url)}" must not contain credentials; set the username and API key`,
    ])
  }
  if (parsed.search !== '' || parsed.hash !== '') {
    throw new ConfigError([`x2crm url: "${redactUrl(url)}" must not have a query or a fragment`])
  }
  const path = parsed.pathname.replace(/\/+$/, '')
  const apiPath = /\/api2$/.test(path)
    ? path
    : /\/index\.php$/.test(path)
      ? `${path}/api2`
      : `${path}/index.php/api2`
  return `${parsed.origin}${apiPath}`
}
