/**
 * CPU-limit detection against fake cgroup trees: v2 `cpu.max`, v1 CFS quota, nested cgroups
 * (the tightest level wins), no limit, and malformed files (ignored, never fatal).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { cpuLimitOf, detectCpuLimit } from '../../src/config/index.js';
import { tempDir, writeFiles } from './helpers.js';

const probe = (cgroupRoot: string, parallelism = 64, selfCgroup = '') => cpuLimitOf({ cgroupRoot, selfCgroup, parallelism });

test('cgroup v2: "max" is unlimited; a quota is CPUs rounded up', (t) => {
  const dir = tempDir(t);
  const cases: [string, number][] = [
    ['max 100000\n', 64],
    ['200000 100000\n', 2],
    ['150000 100000\n', 2],
    ['50000 100000\n', 1],
    ['100000 100000', 1],
    ['1600000 100000\n', 16],
    ['800000 50000\n', 16],
  ];
  for (const [text, want] of cases) {
    writeFiles(dir, { 'cpu.max': text });
    assert.equal(probe(dir), want, JSON.stringify(text));
  }
});

test('the limit is capped by the CPUs the process may use', (t) => {
  const dir = tempDir(t);
  writeFiles(dir, { 'cpu.max': '800000 100000\n' });
  assert.equal(probe(dir, 2), 2);
  assert.equal(probe(dir, 16), 8);
});

test('detectCpuLimit reads the given root (bounded by this machine\'s CPUs)', (t) => {
  const dir = tempDir(t);
  writeFiles(dir, { 'cpu.max': '100000 100000\n' });
  assert.equal(detectCpuLimit(dir), 1);
  writeFiles(dir, { 'cpu.max': 'max 100000\n' });
  assert.equal(detectCpuLimit(dir), availableParallelism());
  writeFiles(dir, { 'cpu.max': '200000 100000\n' });
  assert.equal(detectCpuLimit(dir), Math.min(2, availableParallelism()));
});

test('cgroup v2 nested: every level from the process cgroup up counts, the tightest wins', (t) => {
  const dir = tempDir(t);
  writeFiles(dir, {
    'system.slice/cpu.max': '300000 100000\n',
    'system.slice/helios.service/cpu.max': 'max 100000\n',
  });
  assert.equal(probe(dir, 64, '0::/system.slice/helios.service\n'), 3);
  writeFiles(dir, { 'system.slice/helios.service/cpu.max': '100000 100000\n' });
  assert.equal(probe(dir, 64, '0::/system.slice/helios.service\n'), 1);
  // A namespaced container sees "/": only the mount root.
  assert.equal(probe(dir, 64, '0::/\n'), 64);
});

test('cgroup v1: cfs quota over period; -1 is unlimited; both mount names', (t) => {
  for (const mount of ['cpu,cpuacct', 'cpu']) {
    const dir = tempDir(t);
    writeFiles(dir, { [`${mount}/cpu.cfs_quota_us`]: '250000\n', [`${mount}/cpu.cfs_period_us`]: '100000\n' });
    assert.equal(probe(dir), 3, mount);
    writeFiles(dir, { [`${mount}/cpu.cfs_quota_us`]: '-1\n' });
    assert.equal(probe(dir), 64, mount);
  }
  const dir = tempDir(t);
  writeFiles(dir, {
    'cpu,cpuacct/docker/abc/cpu.cfs_quota_us': '100000\n',
    'cpu,cpuacct/docker/abc/cpu.cfs_period_us': '100000\n',
    'cpu,cpuacct/cpu.cfs_quota_us': '-1\n',
    'cpu,cpuacct/cpu.cfs_period_us': '100000\n',
  });
  assert.equal(probe(dir, 64, '12:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n'), 1);
});

test('v2 takes precedence over v1 when both are visible', (t) => {
  const dir = tempDir(t);
  writeFiles(dir, {
    'cpu.max': 'max 100000\n',
    'cpu,cpuacct/cpu.cfs_quota_us': '100000\n',
    'cpu,cpuacct/cpu.cfs_period_us': '100000\n',
  });
  assert.equal(probe(dir), 64);
});

test('no cgroup files: the CPUs available', (t) => {
  const dir = tempDir(t);
  assert.equal(probe(dir, 12), 12);
  assert.equal(probe(join(dir, 'missing'), 3), 3);
  assert.equal(detectCpuLimit(join(dir, 'missing')), availableParallelism());
});

test('malformed files are ignored, never fatal', (t) => {
  const dir = tempDir(t);
  for (const text of ['', 'garbage', '200000', '200000 0', '-5 100000', '0 100000']) {
    writeFiles(dir, { 'cpu.max': text });
    assert.equal(probe(dir, 6), 6, JSON.stringify(text));
  }
  const v1 = tempDir(t);
  writeFiles(v1, { 'cpu/cpu.cfs_quota_us': 'x', 'cpu/cpu.cfs_period_us': '100000' });
  assert.equal(probe(v1, 6), 6);
  writeFiles(v1, { 'cpu/cpu.cfs_quota_us': '100000', 'cpu/cpu.cfs_period_us': '0' });
  assert.equal(probe(v1, 6), 6);
});
