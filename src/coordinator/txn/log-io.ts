/**
 * The file seam of the decision log: storage's {@link FileIO} (a downward import — the
 * coordinator sits above storage), so the server writes through {@link NodeLogIO} (node:fs with
 * fdatasync) and tests hand in storage's `MemoryFileIO`, which simulates power loss (unsynced
 * writes vanish or tear). The aliases keep the decision log's vocabulary.
 */
export type { FileIO as LogIO, FileHandle as LogHandle } from '../../storage/io/file-io.js';
export { NodeFileIO as NodeLogIO } from '../../storage/io/file-io.js';
