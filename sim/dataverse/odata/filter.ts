import { faults } from '../errors.ts'

/**
 * A small OData `$filter` parser and evaluator: eq ne gt ge lt le, and or not, parentheses,
 * contains/startswith/endswith, null, true/false, numbers, 'strings' ('' escapes a quote),
 * unquoted GUIDs and date/time literals, enum literals `Namespace.Type'Member'` (webapi.md §2.8;
 * OData URL conventions §5.1.1).
 * String comparison is case-insensitive, as Dataverse (SQL collation) compares.
 */
export type FilterExpression =
  | { type: 'compare'; op: CompareOp; left: Operand; right: Operand }
  | { type: 'call'; fn: 'contains' | 'startswith' | 'endswith'; property: string; value: Operand }
  | { type: 'and' | 'or'; left: FilterExpression; right: FilterExpression }
  | { type: 'not'; operand: FilterExpression }

type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'
type Operand = { type: 'property'; name: string } | { type: 'literal'; value: Literal }
type Literal = string | number | boolean | null

type Token =
  | { kind: 'word'; text: string; at: number }
  | { kind: 'string'; text: string; at: number }
  | { kind: 'literal'; value: Literal; at: number }
  | { kind: 'punct'; text: '(' | ')' | ','; at: number }

const compareOps = new Set<string>(['eq', 'ne', 'gt', 'ge', 'lt', 'le'])
const functions = new Set<string>(['contains', 'startswith', 'endswith'])
const guidRe = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-])/
const dateTimeRe = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?(?![\w-])/
const numberRe = /^-?\d+(\.\d+)?([eE][+-]?\d+)?[mMdDfFlL]?(?![\w-])/
const wordRe = /^[A-Za-z_][A-Za-z0-9_]*/
const enumTypeRe = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+(?=')/

function syntaxError(text: string, at: number) {
  return faults.querySyntax(`Syntax error at position ${at} in '${text}'.`)
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < text.length) {
    const rest = text.slice(i)
    const ch = text[i] ?? ''
    if (/\s/.test(ch)) {
      i++
      continue
    }
    if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ kind: 'punct', text: ch, at: i })
      i++
      continue
    }
    if (ch === "'") {
      let value = ''
      let j = i + 1
      for (;;) {
        if (j >= text.length)
          throw faults.querySyntax(`There is an unterminated string literal at position ${j} in '${text}'.`)
        if (text[j] === "'") {
          if (text[j + 1] === "'") {
            value += "'"
            j += 2
            continue
          }
          break
        }
        value += text[j]
        j++
      }
      tokens.push({ kind: 'string', text: value, at: i })
      i = j + 1
      continue
    }
    const guid = guidRe.exec(rest)
    if (guid) {
      tokens.push({ kind: 'literal', value: guid[0].toLowerCase(), at: i })
      i += guid[0].length
      continue
    }
    const date = dateTimeRe.exec(rest)
    if (date) {
      tokens.push({ kind: 'literal', value: date[0], at: i })
      i += date[0].length
      continue
    }
    const number = numberRe.exec(rest)
    if (number) {
      tokens.push({ kind: 'literal', value: Number(number[0].replace(/[mMdDfFlL]$/, '')), at: i })
      i += number[0].length
      continue
    }
    // An enum literal `Microsoft.Dynamics.CRM.AttributeTypeCode'Picklist'` compares as its member name.
    const enumType = enumTypeRe.exec(rest)
    if (enumType) {
      i += enumType[0].length
      continue
    }
    const word = wordRe.exec(rest)
    if (word) {
      const w = word[0]
      if (w === 'true' || w === 'false') tokens.push({ kind: 'literal', value: w === 'true', at: i })
      else if (w === 'null') tokens.push({ kind: 'literal', value: null, at: i })
      else tokens.push({ kind: 'word', text: w, at: i })
      i += w.length
      continue
    }
    throw syntaxError(text, i)
  }
  return tokens
}

export function parseFilter(text: string): FilterExpression {
  const tokens = tokenize(text)
  let pos = 0
  const peek = () => tokens[pos]
  const isWord = (t: Token | undefined, w: string): boolean => t?.kind === 'word' && t.text === w
  const expectPunct = (p: '(' | ')' | ',') => {
    const t = tokens[pos]
    if (t?.kind !== 'punct' || t.text !== p) throw syntaxError(text, t?.at ?? text.length)
    pos++
  }

  const parseOr = (): FilterExpression => {
    let left = parseAnd()
    while (isWord(peek(), 'or')) {
      pos++
      left = { type: 'or', left, right: parseAnd() }
    }
    return left
  }
  const parseAnd = (): FilterExpression => {
    let left = parseUnary()
    while (isWord(peek(), 'and')) {
      pos++
      left = { type: 'and', left, right: parseUnary() }
    }
    return left
  }
  const parseUnary = (): FilterExpression => {
    if (isWord(peek(), 'not')) {
      pos++
      return { type: 'not', operand: parseUnary() }
    }
    return parsePrimary()
  }
  const parseOperand = (): Operand => {
    const t = tokens[pos++]
    if (t?.kind === 'word') return { type: 'property', name: t.text }
    if (t?.kind === 'string') return { type: 'literal', value: t.text }
    if (t?.kind === 'literal') return { type: 'literal', value: t.value }
    throw syntaxError(text, t?.at ?? text.length)
  }
  const parsePrimary = (): FilterExpression => {
    const t = peek()
    if (t?.kind === 'punct' && t.text === '(') {
      pos++
      const inner = parseOr()
      expectPunct(')')
      return inner
    }
    if (t?.kind === 'word' && functions.has(t.text) && tokens[pos + 1]?.kind === 'punct') {
      pos++
      expectPunct('(')
      const property = parseOperand()
      expectPunct(',')
      const value = parseOperand()
      expectPunct(')')
      if (property.type !== 'property') throw syntaxError(text, t.at)
      return {
        type: 'call',
        fn: t.text as 'contains' | 'startswith' | 'endswith',
        property: property.name,
        value,
      }
    }
    const left = parseOperand()
    const op = peek()
    if (op?.kind !== 'word' || !compareOps.has(op.text)) throw syntaxError(text, op?.at ?? text.length)
    pos++
    return { type: 'compare', op: op.text as CompareOp, left, right: parseOperand() }
  }

  const expression = parseOr()
  if (pos < tokens.length) throw syntaxError(text, tokens[pos]?.at ?? text.length)
  return expression
}

/** Property names a filter reads, to check them against the table before evaluating. */
export function filterProperties(expression: FilterExpression): string[] {
  switch (expression.type) {
    case 'compare':
      return [expression.left, expression.right].flatMap((o) => (o.type === 'property' ? [o.name] : []))
    case 'call':
      return [expression.property, ...(expression.value.type === 'property' ? [expression.value.name] : [])]
    case 'and':
    case 'or':
      return [...filterProperties(expression.left), ...filterProperties(expression.right)]
    case 'not':
      return filterProperties(expression.operand)
  }
}

export function evaluateFilter(
  expression: FilterExpression,
  row: Readonly<Record<string, unknown>>,
): boolean {
  switch (expression.type) {
    case 'and':
      return evaluateFilter(expression.left, row) && evaluateFilter(expression.right, row)
    case 'or':
      return evaluateFilter(expression.left, row) || evaluateFilter(expression.right, row)
    case 'not':
      return !evaluateFilter(expression.operand, row)
    case 'call': {
      const haystack = row[expression.property]
      const needle = operandValue(expression.value, row)
      if (typeof haystack !== 'string' || typeof needle !== 'string') return false
      const h = haystack.toLowerCase()
      const n = needle.toLowerCase()
      if (expression.fn === 'contains') return h.includes(n)
      if (expression.fn === 'startswith') return h.startsWith(n)
      return h.endsWith(n)
    }
    case 'compare':
      return compare(expression.op, operandValue(expression.left, row), operandValue(expression.right, row))
  }
}

function operandValue(operand: Operand, row: Readonly<Record<string, unknown>>): unknown {
  return operand.type === 'property' ? (row[operand.name] ?? null) : operand.value
}

function compare(op: CompareOp, left: unknown, right: unknown): boolean {
  if (left === null || right === null) {
    if (op === 'eq') return left === right
    if (op === 'ne') return left !== right
    return false
  }
  const order = compareValues(left, right)
  if (order === undefined) return op === 'ne'
  switch (op) {
    case 'eq':
      return order === 0
    case 'ne':
      return order !== 0
    case 'gt':
      return order > 0
    case 'ge':
      return order >= 0
    case 'lt':
      return order < 0
    case 'le':
      return order <= 0
  }
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}/

/** Orders two values the way Dataverse would; undefined when they are not comparable. */
export function compareValues(left: unknown, right: unknown): number | undefined {
  if (typeof left === 'number' && typeof right === 'number') return Math.sign(left - right)
  if (typeof left === 'boolean' && typeof right === 'boolean') return Number(left) - Number(right)
  if (typeof left === 'string' && typeof right === 'string') {
    // Dates compare as instants; the cheap shape test first (this runs for every row a filter scans).
    if (ISO_DATE.test(left) && ISO_DATE.test(right)) {
      const l = Date.parse(left)
      const r = Date.parse(right)
      if (!isNaN(l) && !isNaN(r)) return Math.sign(l - r)
    }
    const a = left.toLowerCase()
    const b = right.toLowerCase()
    return a < b ? -1 : a > b ? 1 : 0
  }
  return undefined
}
