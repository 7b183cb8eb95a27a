/**
 * `[schema] init_sql`: a SQL file run at start-up, after every shard has recovered and before the
 * server reports ready — typically `CREATE TABLE IF NOT EXISTS …` and seed rows, so it runs on
 * every start and must be idempotent. Statements run one by one, each in auto-commit; the first
 * failure stops start-up with an error naming the file, the statement's number and line.
 */
import { readFileSync } from 'node:fs';
import { HeliosError } from '../errors.js';
import type { Logger } from '../log.js';
import { splitStatements } from '../sql/index.js';
import type { Coordinator } from './index.js';

export async function runInitSql(coordinator: Coordinator, file: string, log: Logger): Promise<void> {
  if (file === '') return;
  const text = readFileSync(file, 'utf8');
  let statements: string[];
  try {
    statements = splitStatements(text);
  } catch (e) {
    throw new Error(`init_sql ${file}: ${HeliosError.from(e).message}`);
  }
  let searchFrom = 0;
  for (let i = 0; i < statements.length; i++) {
    const sql = statements[i]!;
    const at = text.indexOf(sql.trim().slice(0, 32), searchFrom);
    const line = at >= 0 ? text.slice(0, at).split('\n').length : undefined;
    if (at >= 0) searchFrom = at + 1;
    try {
      await coordinator.exec(sql, []);
    } catch (e) {
      const err = HeliosError.from(e);
      throw new Error(`init_sql ${file}: statement ${i + 1}${line ? ` (line ${line})` : ''} failed: ${err.code}: ${err.message}`);
    }
  }
  log.info({ file, statements: statements.length }, 'init_sql applied');
}
