import { describe, expect, it } from 'vitest'
import { connect, errorOf } from './test-helpers.ts'

// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/annotation-file-attachment#file-size-limits
// https://learn.microsoft.com/en-us/power-apps/developer/data-platform/reference/entities/organization
describe('the organization row', () => {
  async function organization(api: Awaited<ReturnType<typeof connect>>) {
    const result = await api.call('GET', 'organizations?$select=name,maxuploadfilesize')
    const rows = (result.body as { value: { organizationid: string; maxuploadfilesize: number }[] }).value
    expect(rows).toHaveLength(1)
    return rows[0] as { organizationid: string; maxuploadfilesize: number }
  }

  it('has maxuploadfilesize 5,242,880 by default, which an update changes for the next uploads', async () => {
    const api = await connect()
    const org = await organization(api)
    expect(org.maxuploadfilesize).toBe(5_242_880)
    expect(
      (await api.call('PATCH', `organizations(${org.organizationid})`, { maxuploadfilesize: 8 })).status,
    ).toBe(204)
    expect((await organization(api)).maxuploadfilesize).toBe(8)
    expect((await api.call('POST', 'annotations', { subject: 'ok', documentbody: 'QUJDREVG' })).status).toBe(
      204,
    )
    const big = await api.call('POST', 'annotations', { subject: 'big', documentbody: 'QUJDREVGRw==' })
    expect(big.status).toBe(400)
    expect(errorOf(big)).toEqual({ code: '0x80044a02', message: 'Attachment file size is too big.' })
    const attachment = await api.call('POST', 'activitymimeattachments', {
      filename: 'a.txt',
      body: 'QUJDREVGRw==',
      objecttypecode: 'email',
    })
    expect(attachment.status).toBe(400)
    expect(errorOf(attachment).code).toBe('0x80044a02')
  })

  it('refuses a limit past 131,072,000 bytes, and creating or deleting the row', async () => {
    const api = await connect()
    const { organizationid } = await organization(api)
    const tooBig = await api.call('PATCH', `organizations(${organizationid})`, {
      maxuploadfilesize: 131_072_001,
    })
    expect(tooBig.status).toBe(400)
    expect(errorOf(tooBig).code).toBe('0x80044331')
    const created = await api.call('POST', 'organizations', { maxuploadfilesize: 1 })
    expect(created.status).toBe(400)
    expect(errorOf(created).code).toBe('0x80040800')
    expect((await api.call('DELETE', `organizations(${organizationid})`)).status).toBe(400)
    const other = await api.call('PATCH', 'organizations(00000000-0000-0000-0000-00000000abcd)', {
      maxuploadfilesize: 1,
    })
    expect(other.status).toBe(404)
    expect(api.sim.rows('organization')).toHaveLength(1)
  })
})
