import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { docsCommand } from '../../src/cli/commands/docs.ts'
import { createScratchDatabase, FIXTURE_SQL, type ScratchDatabase } from '../helpers/mariadb.ts'

describe('x2d365 docs, on the real instance restored in MariaDB', () => {
  let scratch: ScratchDatabase
  const dir = mkdtempSync(join(tmpdir(), 'x2d365-docs-'))
  beforeAll(async () => {
    scratch = await createScratchDatabase('docs', { load: FIXTURE_SQL })
  })
  afterAll(async () => {
    await scratch?.drop()
    rmSync(dir, { recursive: true, force: true })
  })

  /** Runs `x2d365 docs` in-process; returns what it printed. */
  async function docs(out: string, json = false): Promise<string> {
    const config = join(dir, 'x2d365.yaml')
    writeFileSync(
      config,
      `source:
  mysql: { url: '${scratch.url}', passwordEnv: TEST_DB_PASSWORD }
target:
  dataverse: { url: https://contoso.crm.dynamics.com, authority: https://login.microsoftonline.com/t, clientId: c, clientSecretEnv: TEST_SECRET }
`,
    )
    vi.stubEnv('TEST_DB_PASSWORD', '')
    vi.stubEnv('TEST_SECRET', 'not-used')
    let printed = ''
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      printed += String(chunk)
      return true
    })
    try {
      expect(await docsCommand({ config, out: join(dir, out), json })).toBe(0)
    } finally {
      write.mockRestore()
      vi.unstubAllEnvs()
    }
    return printed
  }

  it('writes each X2Flow as trigger and steps with its Power Automate rebuild', async () => {
    const printed = await docs('docs')
    expect(printed).toContain(
      '1 X2Flow automation(s) to rebuild in Power Automate, 0 process(es) as business process flows; to rebuild: ' +
        '4 report(s), 2 chart(s), 2 dashboard(s), 1 campaign(s), 1 template(s)',
    )
    const doc = readFileSync(join(dir, 'docs', 'workflow-reconstruction.md'), 'utf8')
    expect(doc).toContain('## Tag new contacts (X2Flow 1)')
    expect(doc).toContain(
      '**Trigger:** when a record is created in Contacts (contact) (`RecordCreateTrigger`).',
    )
    expect(doc).toContain('1. add tag(s) #new-lead')
    expect(doc).toContain('Change type: Added')
    expect(doc).toContain('X2CRM has no processes defined: no business process flow to build.')
  })

  it("inventories the instance's reports, charts, report dashboards, campaign and template by their real names", async () => {
    await docs('docs')
    const doc = readFileSync(join(dir, 'docs', 'workflow-reconstruction.md'), 'utf8')
    // x2_reports_2 rows 1–4 (the settings the API does not return) and x2_charts rows 1–2.
    expect(doc).toContain('### Services Report (report 1, rowsAndColumns on Services → incident)')
    expect(doc).toContain('- Columns: name, impact, status, assignedTo, lastUpdated, updatedBy')
    expect(doc).toContain('### Deal Report (report 2, rowsAndColumns on Contacts → contact)')
    expect(doc).toContain('### Web Activity (report 4, rowsAndColumns on Actions → task)')
    expect(doc).toMatch(
      /\| Lead Volume \(chart 1\) \| Lead Volume \| TimeSeries of Contacts over createDate, by leadSource, for the trailing week \|/,
    )
    // Report 3's dataWidgetLayout places chart 1 twice (line and pie); its prototype widgets are not tiles.
    expect(doc).toContain('### Lead Volume (report charts), by admin')
    expect(doc).toContain('| Lead Volume (chart 1) | line | Line chart of "Lead Volume" |')
    expect(doc).toContain('| Lead Volume (chart 1) | pie | Pie chart of "Lead Volume" |')
    expect(doc).toContain('| Web Activity (chart 2) | gauge | "Web Activity" as a Power BI visual')
    expect(doc).not.toContain('Bar Chart')
    // Campaign 1 and its static list 1 (25 members in x2_list_items), content summarised, never pasted as HTML.
    expect(doc).toContain('### Q4 Newsletter 2025 (campaign 1, Email, not launched)')
    expect(doc).toContain('- Subject: Our Q4 news – Neuigkeiten ????')
    expect(doc).toContain('- List: Q4 Newsletter Recipients, static, 25 member(s)')
    expect(doc).toContain(
      '- Content: 54 bytes of HTML, 0 link(s), 0 image(s), merge fields `{firstName}`; it starts: “Hello {firstName}, Here is our Q4 update.”',
    )
    expect(doc).toContain('- Attachments: 0')
    expect(doc).not.toContain('<p>')
    expect(doc).toMatch(
      /\| Sample Quote Template \(doc 52\) \| quote \| — \| \d+ B \| `\{quoteOrInvoice\}`, `\{name\}`/,
    )
    expect(doc).not.toContain('<table')
    const inventory = JSON.parse(readFileSync(join(dir, 'docs', 'inventory.json'), 'utf8')) as {
      reports: { name: string }[]
      unreadable: unknown[]
    }
    expect(inventory.reports.map((r) => r.name)).toEqual([
      'Services Report',
      'Deal Report',
      'Lead Volume',
      'Web Activity',
    ])
    expect(inventory.unreadable).toEqual([])
  })

  it('writes a process as a business process flow on the table its module maps to, stage by stage', async () => {
    // The fixture instance never defined a process or a saved layout: add them as X2CRM writes them.
    await scratch.admin(`
      INSERT INTO x2_workflows (id, name, isDefault, lastUpdated, colors, financial, financialModel, financialField)
        VALUES (1, 'Deal pipeline', 1, 1790000000, NULL, 1, 'Opportunity', 'quoteAmount');
      INSERT INTO x2_workflow_stages (id, workflowId, stageNumber, name, description, conversionRate, value, requirePrevious, requireComment)
        VALUES (10, 1, 1, 'Qualify lead', 'Budget and need confirmed', 10.00, 0.00, 1, 0),
               (11, 1, 2, 'Send proposal', NULL, 50.00, 5000.00, 0, 1),
               (12, 1, 3, 'Negotiation', NULL, 80.00, 8000.00, 1, 0);
      UPDATE x2_modules SET defaultWorkflow = 1 WHERE name = 'opportunities';
      INSERT INTO x2_actions (id, type, workflowId, stageNumber, associationType, associationId, createDate, complete, visibility)
        VALUES (900, 'workflow', 1, 10, 'opportunities', 1, 1790000000, 'Yes', 1),
               (901, 'workflow', 1, 11, 'opportunities', 1, 1790100000, 'No', 1),
               (902, 'workflow', 1, 10, 'opportunities', 2, 1790000000, 'No', 1);
      INSERT INTO x2_settings (id, recordId, recordType, name, embeddedModelName, settings, isDefault)
        VALUES (1, 4, 'Profile', NULL, 'DataWidgetLayout',
          '{"TimeSeriesWidget_1a2b":{"label":"Leads by source","chartId":"1","displayType":"bar","hidden":false,"softDeleted":false},"TimeSeriesWidget_3c4d":{"label":"Old","chartId":"2","displayType":"line","hidden":true,"softDeleted":false}}', 1);
    `)
    const printed = await docs('docs-process', true)
    expect(JSON.parse(printed)).toMatchObject({ counts: { flows: 1, processes: 1, dashboards: 3 } })
    const doc = readFileSync(join(dir, 'docs-process', 'workflow-reconstruction.md'), 'utf8')
    expect(doc).toContain('## Deal pipeline (process 1, default)')
    expect(doc).toContain(
      '**Build:** A business process flow "Deal pipeline Process" on opportunity with the 3 stages below.',
    )
    expect(doc).toContain('**Tables:** opportunity (Opportunity, 2 record(s) in this process in X2CRM).')
    expect(doc).toContain(
      '| 1 | Qualify lead | Qualify lead | Qualify | Probability (closeprobability), 10% at this stage in X2CRM |',
    )
    expect(doc).toContain(
      '| 2 | Send proposal | Send proposal | Propose | "Send proposal comment" (required; a text column, e.g. new\\_sendproposalcomment)<br>Probability (closeprobability), 50% at this stage in X2CRM<br>Est. Revenue (estimatedvalue), 5000.00 at this stage in X2CRM |',
    )
    expect(doc).toContain('| 3 | Negotiation | Negotiation | Close |')
    expect(doc).toContain('- Stage 2: X2CRM lets users start this stage before the previous one is done')
    expect(doc).toContain("### mgarcia's charts dashboard, by mgarcia")
    expect(doc).toContain('| Leads by source (chart 1) | bar | Bar chart of "Lead Volume" |')
    expect(doc).not.toContain('| Old')
  })
})
