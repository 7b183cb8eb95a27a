{
  "targets": [
    {
      "target_name": "heliosdb_simd",
      "sources": ["src/addon.cc", "src/kernels-avx2.cc", "src/kernels-avx512.cc", "src/hash-avx2.cc", "src/hash-avx512.cc", "src/popcount-avx512.cc", "src/hash-f64-avx512dq.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-O3", "-std=c++17", "-ffp-contract=off", "-fno-fast-math", "-Wno-uninitialized", "-Wno-maybe-uninitialized"],
      "cflags_cc!": ["-fno-exceptions"]
    }
  ]
}
