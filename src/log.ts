/**
 * Structured logging: pino JSON lines on stdout, one logger per process, children per component
 * (`log.child({ component: 'coordinator' })`). A leaf module: imports nothing of the project.
 */
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export function createLogger(level: LevelWithSilent = 'info'): Logger {
  // Synchronous stdout writes: the `listening` line and fatal errors must not be lost when the
  // process exits right after logging them.
  return pino({ level, base: { pid: process.pid } }, pino.destination({ dest: 1, sync: true }));
}
