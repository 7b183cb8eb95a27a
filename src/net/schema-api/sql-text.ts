/** SQL text helpers for the generated statements. */

/** A double-quoted SQL identifier (`"` doubled inside), safe for any table or column name. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
