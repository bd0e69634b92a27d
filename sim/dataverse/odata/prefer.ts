import type { SimRequest } from '../../serve.ts'
export interface Preferences {
  returnRepresentation: boolean
  maxPageSize?: number
  /**
   * The `odata.include-annotations` value as sent, without its quotes: `*`,
   * `OData.Community.Display.V1.FormattedValue`, `Microsoft.Dynamics.CRM.*`, a comma-separated list…
   */
  includeAnnotations?: string
}

/** Whether an instance annotation (its term, e.g. `OData.Community.Display.V1.FormattedValue`) is wanted. */
export type AnnotationFilter = (term: string) => boolean

/** Parses the `Prefer` header (comma-separated, quoted values may hold commas; webapi.md §1.3). */
export function parsePrefer(header: string | null): Preferences {
  const prefs: Preferences = { returnRepresentation: false }
  for (const match of (header ?? '').matchAll(/\s*([^=,\s]+)\s*(?:=\s*("[^"]*"|[^,]*))?\s*(?:,|$)/g)) {
    const name = match[1] ?? ''
    const value = (match[2] ?? '').trim().replace(/^"(.*)"$/, '$1')
    if (name === 'return' && value === 'representation') prefs.returnRepresentation = true
    if (name === 'odata.maxpagesize' && /^\d+$/.test(value)) prefs.maxPageSize = Number(value)
    if (name === 'odata.include-annotations' && value !== '') prefs.includeAnnotations = value
  }
  return prefs
}

/**
 * The OData `odata.include-annotations` patterns: `*` (all), `Namespace.*`, an exact term, and
 * `-pattern` to exclude (OData 4.0 Part 1 §8.2.8.4). Exclusions win over inclusions.
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors#request-annotations
 */
export function annotationFilter(value: string | undefined): AnnotationFilter | undefined {
  if (value === undefined) return undefined
  const patterns = value
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
  const matches = (pattern: string, term: string) =>
    pattern === '*' || pattern === term || (pattern.endsWith('.*') && term.startsWith(pattern.slice(0, -1)))
  const include = patterns.filter((p) => !p.startsWith('-'))
  const exclude = patterns.filter((p) => p.startsWith('-')).map((p) => p.slice(1))
  return (term) => include.some((p) => matches(p, term)) && !exclude.some((p) => matches(p, term))
}

/**
 * The `Preference-Applied` header for the preferences a response honoured: Dataverse echoes
 * `odata.include-annotations="…"` as requested, with `return=representation` and
 * `odata.maxpagesize=n` when those applied.
 * https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query/select-columns#formatted-values
 */
export function preferenceApplied(
  prefs: Preferences,
  applied: { representation?: boolean; maxPageSize?: number } = {},
): Record<string, string> {
  const parts: string[] = []
  if (applied.representation) parts.push('return=representation')
  if (applied.maxPageSize !== undefined) parts.push(`odata.maxpagesize=${applied.maxPageSize}`)
  if (prefs.includeAnnotations !== undefined)
    parts.push(`odata.include-annotations="${prefs.includeAnnotations}"`)
  return parts.length > 0 ? { 'preference-applied': parts.join(',') } : {}
}

/** `If-None-Match: null` (sent by Microsoft's samples on every request) is no condition (webapi.md §1.5). */
export function conditionHeader(request: SimRequest, name: 'if-match' | 'if-none-match'): string | undefined {
  const value = request.headers.get(name)?.trim()
  if (value === undefined || value === '' || value === 'null') return undefined
  return value
}
