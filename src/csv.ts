/**
 * CSV as RFC 4180 writes it (https://www.rfc-editor.org/rfc/rfc4180): fields quoted when they hold a quote, the
 * delimiter or a line break, quotes doubled, CRLF between rows. Reading also takes what spreadsheets save: a UTF-8
 * byte order mark, LF or CR line ends, and `;` as the delimiter (Excel in locales whose decimal mark is a comma).
 */

/** One row read from a CSV file, with the line it starts on (1 = the header), as an editor numbers lines. */
export interface CsvRow {
  line: number
  fields: string[]
}

export interface ParsedCsv {
  rows: CsvRow[]
  /** A quote left open at the end of the file: the rows from that line on are unreliable. */
  unclosedQuoteAt?: number
}

/** One field, quoted only when it must be. Pure. */
export function csvField(value: string, delimiter = ','): string {
  return value.includes('"') || value.includes(delimiter) || /[\r\n]/.test(value)
    ? `"${value.replace(/"/g, '""')}"`
    : value
}

/** One row with its CRLF. Pure. */
export function csvRow(values: readonly string[]): string {
  return `${values.map((v) => csvField(v)).join(',')}\r\n`
}

/**
 * Every row of a CSV text, blank lines left out. The delimiter is `,` unless the first line has `;` and no `,`.
 * Never throws: a quote that is never closed is reported in `unclosedQuoteAt`. Pure.
 */
export function parseCsv(text: string): ParsedCsv {
  const input = text.startsWith('\uFEFF') ? text.slice(1) : text
  const firstLine = input.slice(0, input.search(/[\r\n]|$/))
  const delimiter = firstLine.includes(';') && !firstLine.includes(',') ? ';' : ','
  const rows: CsvRow[] = []
  let fields: string[] = []
  let field = ''
  let line = 1
  let rowLine = 1
  let quoted = false
  let quoteLine = 0
  /** Whether the current row has anything in it yet (a blank line has not). */
  let started = false
  const endField = () => {
    fields.push(field)
    field = ''
  }
  const endRow = () => {
    if (started) {
      endField()
      rows.push({ line: rowLine, fields })
    }
    fields = []
    field = ''
    started = false
  }
  for (let i = 0; i < input.length; i++) {
    const char = input[i]
    if (quoted) {
      if (char === '"' && input[i + 1] === '"') {
        field += '"'
        i++
      } else if (char === '"') quoted = false
      else {
        if (char === '\n' || (char === '\r' && input[i + 1] !== '\n')) line++
        field += char
      }
      continue
    }
    if (char === '\r' || char === '\n') {
      if (char === '\r' && input[i + 1] === '\n') i++
      endRow()
      line++
      rowLine = line
      continue
    }
    if (!started) {
      started = true
      rowLine = line
    }
    if (char === '"' && field === '') {
      quoted = true
      quoteLine = line
    } else if (char === delimiter) endField()
    else field += char
  }
  if (quoted) {
    started = true
    endRow()
    return { rows, unclosedQuoteAt: quoteLine }
  }
  endRow()
  return { rows }
}

/** What a spreadsheet would run as a formula when the file is opened (OWASP's CSV injection list). */
const FORMULA_START = /^[=+\-@\t\r]/

/**
 * A value from X2CRM that starts like a formula (`=HYPERLINK(…)`, `+1 555…`) gets a leading `'`, so a spreadsheet
 * shows it instead of running it; `fix` takes the `'` off again when a person copies the value into fixed_value. Pure.
 */
export function inertForSpreadsheets(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value
}

/** The value a person meant: without the `'` {@link inertForSpreadsheets} put before a formula-like value. Pure. */
export function withoutFormulaGuard(value: string): string {
  return value.startsWith("'") && FORMULA_START.test(value.slice(1)) ? value.slice(1) : value
}
