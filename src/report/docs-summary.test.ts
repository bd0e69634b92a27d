import { describe, expect, it } from 'vitest'
import { describeDocs } from './docs-summary.ts'

describe('describeDocs', () => {
  it('names the document and counts what to rebuild', () => {
    const counts = {
      flows: 4,
      processes: 1,
      reports: 2,
      charts: 3,
      dashboards: 1,
      campaigns: 0,
      templates: 5,
    }
    expect(describeDocs('docs/workflow-reconstruction.md', counts)).toBe(
      'Wrote docs/workflow-reconstruction.md: 4 X2Flow automation(s) to rebuild in Power Automate, 1 process(es) as ' +
        'business process flows; to rebuild: 2 report(s), 3 chart(s), 1 dashboard(s), 0 campaign(s), 5 template(s) ' +
        '(also in inventory.json).\n',
    )
  })
})
