import { isMap, isPair, isScalar, isSeq, type YAMLMap } from 'yaml'

/** What each timeline key does, written above it in mapping.yaml. */
const COMMENTS: Readonly<Record<string, string>> = {
  entity: ' The X2CRM class whose records this table takes (the key names the load phase).',
  when: ' Only the records these conditions take (match: any or all); a record no table of the class takes is\n quarantined ("unknown action type"), never loaded into another table silently.',
  parties:
    ' Activity parties sent with each row: the participation type of the owner and of the record it is about\n (1 sender, 2 to, 3 cc).',
  close:
    ' Loaded open, then closed last: won → WinOpportunity, lost → LoseOpportunity, each with an opportunityclose\n carrying the actual revenue and the first close date found.',
  attachments:
    " Each record's file (uploads folder or getFile) goes into the note's documentbody; a file missing or over the\n organization's maxuploadfilesize is quarantined with its path, size and the limit.",
}

/** `when:`, `parties:` and `close:` on one line each where they fit, with what they do above them. */
export function annotateTimeline(entity: YAMLMap): void {
  for (const pair of entity.items) {
    if (!isPair(pair) || !isScalar(pair.key)) continue
    const key = String(pair.key.value)
    const comment = COMMENTS[key]
    if (comment === undefined) continue
    pair.key.commentBefore = comment
    if (isMap(pair.value)) pair.value.flow = true
    if (isSeq(pair.value)) for (const item of pair.value.items) if (isMap(item)) item.flow = true
  }
}
