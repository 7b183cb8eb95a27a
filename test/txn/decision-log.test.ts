/**
 * The coordinator's decision log: recovery of live decisions and epochs, torn tails after power
 * loss (a synced COMMIT always survives; an unsynced one is whole or absent, never garbage),
 * junk at the end, compaction (and a crash in the middle of it), on the in-memory power-loss
 * FileIO and once on the real file system.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecisionLog, NodeLogIO, TxnIdAllocator, epochOf, txnId } from '../../src/coordinator/txn/index.js';
import { MemoryFileIO } from '../../src/storage/index.js';
import { rmDir, rng, seedFrom, tmpDir } from '../storage/helpers.js';

const open = (io: MemoryFileIO, compactAfterForgets = 4096): DecisionLog => new DecisionLog({ io, dir: '/c', compactAfterForgets });

test('live decisions and the epoch survive a reopen', () => {
  const io = new MemoryFileIO();
  const a = open(io);
  assert.equal(a.epoch, 1);
  a.appendCommit(txnId(10), [0, 3]);
  a.appendCommit(txnId(11), [1, 2]);
  a.appendForget(txnId(10));
  a.sync();
  a.close();
  const b = open(io);
  assert.equal(b.epoch, 2);
  assert.deepEqual([...b.recovery.live], [[txnId(11), [1, 2]]]);
  assert.equal(b.recovery.discardedBytes, 0);
  b.close();
  assert.equal(open(io).epoch, 3);
});

test('power loss: synced decisions always survive, unsynced ones are whole or gone, and the log stays appendable', () => {
  const seed = seedFrom('decision-log power loss');
  const r = rng(seed);
  for (let round = 0; round < 200; round++) {
    const io = new MemoryFileIO();
    const log = open(io);
    const synced: bigint[] = [];
    const unsynced: bigint[] = [];
    for (let i = 1; i <= 1 + Math.floor(r() * 6); i++) {
      log.appendCommit(txnId(i), [0, 1, 2].slice(0, 1 + Math.floor(r() * 3)));
      if (r() < 0.5) {
        log.sync();
        synced.push(...unsynced, BigInt(i));
        unsynced.length = 0;
      } else unsynced.push(BigInt(i));
    }
    io.powerLoss(r);
    const again = open(io);
    const live = again.recovery.live;
    for (const t of synced) assert.ok(live.has(txnId(t)), `seed ${seed} round ${round}: synced decision ${t} lost`);
    for (const [t, parts] of live) assert.ok(parts.length >= 1 && parts.length <= 3, `seed ${seed}: garbage decision ${t}`);
    again.appendCommit(txnId(100), [7]);
    again.sync();
    io.powerLoss(r);
    assert.ok(open(io).recovery.live.has(txnId(100)), `seed ${seed} round ${round}: append after a torn tail was lost`);
  }
});

test('junk after the last record is cut off with a reason', () => {
  const io = new MemoryFileIO();
  const log = open(io);
  log.appendCommit(txnId(5), [1, 2]);
  log.close();
  const bytes = io.bytes('/c/decisions.log')!;
  const junk = new Uint8Array(bytes.length + 13);
  junk.set(bytes);
  junk.fill(0xab, bytes.length);
  io.setBytes('/c/decisions.log', junk);
  const again = open(io);
  assert.equal(again.recovery.discardedBytes, 13);
  assert.match(again.recovery.reason ?? '', /bad record length|checksum/);
  assert.deepEqual([...again.recovery.live.keys()], [txnId(5)]);
  // A flipped bit inside a record: that record and everything after it are dropped.
  const b2 = io.bytes('/c/decisions.log')!.slice();
  b2[12] = b2[12]! ^ 1;
  io.setBytes('/c/decisions.log', b2);
  assert.match(open(io).recovery.reason ?? '', /checksum/);
});

test('compaction keeps the live decisions and the epoch; a stale tmp from a crashed compaction is ignored', () => {
  const io = new MemoryFileIO();
  const log = open(io, 10);
  for (let i = 1; i <= 30; i++) {
    log.appendCommit(txnId(i), [i % 4, 4 + (i % 3)]);
    if (i % 5 !== 0) log.appendForget(txnId(i));
  }
  log.sync();
  assert.ok(log.wantsCompaction());
  const before = log.bytes;
  log.compact();
  assert.ok(log.bytes < before / 3, `compaction shrank ${before} → ${log.bytes}`);
  assert.equal(log.wantsCompaction(), false);
  log.appendCommit(txnId(31), [1, 2]);
  log.close();
  io.setBytes('/c/decisions.log.tmp', new Uint8Array([1, 2, 3]));
  const again = open(io);
  assert.equal(again.epoch, 2);
  assert.deepEqual([...again.recovery.live.keys()], [5, 10, 15, 20, 25, 30, 31].map((n) => txnId(n)));
  assert.deepEqual(again.recovery.live.get(txnId(10)), [2, 5]);
  assert.equal(io.exists('/c/decisions.log.tmp'), false);
});

test('the real file system: fdatasync, reopen, compaction by rename', () => {
  const dir = tmpDir('decision-log');
  try {
    const log = new DecisionLog({ io: new NodeLogIO(), dir, compactAfterForgets: 1 });
    log.appendCommit(txnId(1), [0, 1]);
    log.appendCommit(txnId(2), [2, 3]);
    log.appendForget(txnId(1));
    log.sync();
    log.compact();
    log.close();
    const again = new DecisionLog({ io: new NodeLogIO(), dir });
    assert.deepEqual([...again.recovery.live], [[txnId(2), [2, 3]]]);
    assert.equal(again.epoch, 2);
    again.close();
  } finally {
    rmDir(dir);
  }
});

test('transaction ids grow within a boot and across boots (the epoch is their high part)', () => {
  const a = new TxnIdAllocator(1);
  const x = a.next();
  const y = a.next();
  const z = new TxnIdAllocator(2).next();
  assert.ok(x < y && y < z);
  assert.equal(epochOf(z), 2);
  assert.throws(() => new TxnIdAllocator(0), /epoch/);
});
