/** Whether `run.ledger` names a PostgreSQL ledger (`postgres://…`, shared by the machines of a distributed run) rather than a SQLite file. */
export function isPostgresUrl(ledger: string): boolean {
  return /^postgres(ql)?:\/\//i.test(ledger)
}
