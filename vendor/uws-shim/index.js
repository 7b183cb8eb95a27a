'use strict';
// hyper-express depends on uWebSockets.js from GitHub, which this project cannot reach.
// uws-pack ships the same prebuilt binaries on npm but exports only an ESM entry, so
// `require('uWebSockets.js')` from hyper-express fails. This shim finds the raw binary
// for this platform/ABI and loads it directly, exposing every uWS export.
const path = require('node:path');
const fs = require('node:fs');
const name = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
for (const dir of module.paths) {
  const candidate = path.join(dir, 'uws-pack', 'dist', 'bin', name);
  if (fs.existsSync(candidate)) {
    module.exports = require(candidate);
    return;
  }
}
throw new Error(`uWebSockets.js shim: no binary ${name} found in uws-pack (platform ${process.platform}/${process.arch}, Node ABI ${process.versions.modules})`);
