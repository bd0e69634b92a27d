/** `x2_media.associationType` of X2CRM's own assets (themes, backgrounds, sounds, logos): never attachments. */
export const SYSTEM_ASSET_TYPES: ReadonlySet<string> = new Set([
  'bg',
  'theme',
  'loginSound',
  'notificationSound',
  'logo',
  'loginLogo',
])

/**
 * Where a media file may sit inside a copy of the server's `uploads/` folder, most likely first: the current layout
 * `protected/media/{uploadedBy}/{fileName}`, then the older flat `protected/{fileName}`. The same relative paths are
 * tried for a copy of `uploads/protected/` or of `media/` itself, and with the file name in NFC and NFD (a copy made
 * on macOS decomposes `ü`). Returns `undefined` when a name could climb out of the folder (`..`, a slash).
 */
export function candidatePaths(uploadedBy: string | null, fileName: string): string[] | undefined {
  if (!isSafeSegment(fileName) || (uploadedBy !== null && !isSafeSegment(uploadedBy))) return undefined
  const names = unique([fileName, fileName.normalize('NFC'), fileName.normalize('NFD')])
  const users =
    uploadedBy === null ? [] : unique([uploadedBy, uploadedBy.normalize('NFC'), uploadedBy.normalize('NFD')])
  const paths: string[] = []
  for (const name of names) {
    for (const user of users)
      paths.push(`protected/media/${user}/${name}`, `media/${user}/${name}`, `${user}/${name}`)
  }
  for (const name of names) paths.push(`protected/${name}`, name)
  return unique(paths)
}

function isSafeSegment(segment: string): boolean {
  return segment !== '' && segment !== '.' && segment !== '..' && !/[/\\\0]/.test(segment)
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)]
}
