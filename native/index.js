'use strict';
// The compiled addon. Requiring this package fails (and HeliosDB-Lite uses WASM SIMD instead)
// when the build did not produce it.
module.exports = require('./build/Release/heliosdb_simd.node');
