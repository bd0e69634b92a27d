import { describe, expect, it } from 'vitest'
import { DEFAULT_MAX_UPLOAD_BYTES, readUploadLimit } from './attachments.ts'

describe('readUploadLimit', () => {
  it("reads the organization's maxuploadfilesize, and falls back to Dataverse's default when it cannot", async () => {
    const rows = (row: Record<string, unknown>) => ({
      async *query() {
        yield row
      },
    })
    expect(await readUploadLimit(rows({ maxuploadfilesize: 1_048_576 }))).toEqual({
      bytes: 1_048_576,
      source: 'organization',
    })
    const refused = {
      // eslint-disable-next-line require-yield
      async *query(): AsyncGenerator<Record<string, unknown>> {
        throw new Error('403: no read privilege on organization')
      },
    }
    expect(await readUploadLimit(refused)).toEqual({ bytes: DEFAULT_MAX_UPLOAD_BYTES, source: 'default' })
    expect(await readUploadLimit(rows({}))).toEqual({ bytes: DEFAULT_MAX_UPLOAD_BYTES, source: 'default' })
  })
})
