export interface Preferences {
  returnRepresentation: boolean
  maxPageSize?: number
  includeAnnotations: boolean
}

/** Parses the `Prefer` header (comma-separated; webapi.md §1.3). */
export function parsePrefer(header: string | null): Preferences {
  const prefs: Preferences = { returnRepresentation: false, includeAnnotations: false }
  for (const raw of (header ?? '').split(',')) {
    const part = raw.trim()
    const [name = '', value = ''] = part.split('=', 2).map((s) => s.trim())
    if (name === 'return' && value === 'representation') prefs.returnRepresentation = true
    if (name === 'odata.maxpagesize' && /^\d+$/.test(value)) prefs.maxPageSize = Number(value)
    if (name === 'odata.include-annotations') prefs.includeAnnotations = true
  }
  return prefs
}

/** `If-None-Match: null` (sent by Microsoft's samples on every request) is no condition (webapi.md §1.5). */
export function conditionHeader(request: Request, name: 'if-match' | 'if-none-match'): string | undefined {
  const value = request.headers.get(name)?.trim()
  if (value === undefined || value === '' || value === 'null') return undefined
  return value
}
