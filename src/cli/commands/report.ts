import { EXIT } from '../exit-codes.ts'
import { writeReport, type ReportOptions } from '../write-report.ts'

export type { ReportOptions }

/** Writes report.html, report.md, report.json and quarantine.csv for one run (the newest by default). */
export async function reportCommand(options: ReportOptions): Promise<number> {
  await writeReport(options)
  return EXIT.ok
}
