// N-API glue for the native scan kernels: CPU feature detection and a `Kernels` class bound to
// one WebAssembly.Memory's bytes (a Uint8Array over its ArrayBuffer or SharedArrayBuffer).
// Every call checks that each byte range it will touch lies inside the bound bytes and throws a
// RangeError otherwise: unlike WASM, a stray native access would not trap but corrupt or crash.
#include <napi.h>

#include <string>

#include "kernels.h"

namespace {

using helios::KernelSet;

class Kernels : public Napi::ObjectWrap<Kernels> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "Kernels", {
      InstanceMethod<&Kernels::Rebind>("rebind"),
      InstanceMethod<&Kernels::RangeI64>("rangeI64"),
      InstanceMethod<&Kernels::RangeF64>("rangeF64"),
      InstanceMethod<&Kernels::InI64>("inI64"),
      InstanceMethod<&Kernels::InF64>("inF64"),
      InstanceMethod<&Kernels::ValidF64>("validF64"),
      InstanceMethod<&Kernels::AndBits>("andBits"),
      InstanceMethod<&Kernels::OrBits>("orBits"),
      InstanceMethod<&Kernels::AndNotBits>("andNotBits"),
      InstanceMethod<&Kernels::NotBits>("notBits"),
      InstanceMethod<&Kernels::Popcount>("popcount"),
      InstanceMethod<&Kernels::SumI64>("sumI64"),
      InstanceMethod<&Kernels::SumF64>("sumF64"),
      InstanceMethod<&Kernels::HashI64>("hashI64"),
      InstanceMethod<&Kernels::HashF64>("hashF64"),
      InstanceMethod<&Kernels::MinI64>("minI64"),
      InstanceMethod<&Kernels::MaxI64>("maxI64"),
      InstanceMethod<&Kernels::MinF64>("minF64"),
      InstanceMethod<&Kernels::MaxF64>("maxF64"),
    });
  }

  Kernels(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Kernels>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[1].IsString()) {
      Napi::TypeError::New(env, "new Kernels(bytes: Uint8Array, isa: 'avx2' | 'avx512')").ThrowAsJavaScriptException();
      return;
    }
    const std::string isa = info[1].As<Napi::String>().Utf8Value();
    if (isa == "avx512" && __builtin_cpu_supports("avx512f")) {
      set_ = helios::kAvx512;
      if (__builtin_cpu_supports("avx512vpopcntdq")) set_.popcount = helios::popcountVpopcntdq;
      if (__builtin_cpu_supports("avx512dq")) set_.hashF64 = helios::hashF64Avx512dq;
    } else if (isa == "avx512f" && __builtin_cpu_supports("avx512f")) {
      set_ = helios::kAvx512;  // AVX-512F only, no extension swaps: lets tests cover those paths
    } else if (isa == "avx2" && __builtin_cpu_supports("avx2")) {
      set_ = helios::kAvx2;
    } else {
      Napi::Error::New(env, "this CPU does not support " + isa).ThrowAsJavaScriptException();
      return;
    }
    Bind(info[0]);
  }

 private:
  KernelSet set_{};  // a copy: the AVX-512 set swaps in the VPOPCNTDQ popcount and the DQ f64 hash when the CPU has them
  uint8_t* base_ = nullptr;
  uint64_t size_ = 0;
  Napi::Reference<Napi::Value> keep_;  // keeps the bound buffer alive

  bool Bind(Napi::Value v) {
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      Napi::TypeError::New(Env(), "expected a Uint8Array over the memory's buffer").ThrowAsJavaScriptException();
      return false;
    }
    auto bytes = v.As<Napi::Uint8Array>();
    base_ = bytes.Data();
    size_ = bytes.ByteLength();
    keep_ = Napi::Persistent(v);
    return true;
  }

  Napi::Value Rebind(const Napi::CallbackInfo& info) {
    Bind(info[0]);
    return info.Env().Undefined();
  }

  // Argument readers: offsets and counts are JS numbers; i64 bounds are BigInts.
  static uint64_t U(const Napi::CallbackInfo& info, size_t i) { return uint64_t(info[i].As<Napi::Number>().Int64Value()); }
  static int32_t I(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int32Value(); }
  static double D(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().DoubleValue(); }
  static bool B(const Napi::CallbackInfo& info, size_t i) { return info[i].ToBoolean().Value(); }
  static int64_t Big(const Napi::CallbackInfo& info, size_t i) {
    bool lossless;
    return info[i].As<Napi::BigInt>().Int64Value(&lossless);
  }

  /** True when [at, at + bytes) lies inside the bound memory; else throws a RangeError. */
  bool In(uint64_t at, uint64_t bytes, const char* what) {
    if (at > size_ || bytes > size_ - at) {
      Napi::RangeError::New(Env(), std::string("simd-native: ") + what + " range outside the memory").ThrowAsJavaScriptException();
      return false;
    }
    return true;
  }
  static uint64_t Bits(int32_t rows) { return uint64_t((rows + 7) >> 3); }
  bool RowsOk(int32_t rows) {
    if (rows < 0) { Napi::RangeError::New(Env(), "simd-native: negative row count").ThrowAsJavaScriptException(); return false; }
    return true;
  }

  Napi::Value RangeI64(const Napi::CallbackInfo& info) {
    const uint64_t col = U(info, 0), nulls = U(info, 1), out = U(info, 6);
    const int32_t rows = I(info, 2);
    if (RowsOk(rows) && In(col, uint64_t(rows) * 8, "column") && In(nulls, Bits(rows), "null bitmap") && In(out, Bits(rows), "output"))
      set_.rangeI64(base_, col, nulls, rows, Big(info, 3), Big(info, 4), B(info, 5), out);
    return info.Env().Undefined();
  }
  Napi::Value RangeF64(const Napi::CallbackInfo& info) {
    const uint64_t col = U(info, 0), nulls = U(info, 1), out = U(info, 6);
    const int32_t rows = I(info, 2);
    if (RowsOk(rows) && In(col, uint64_t(rows) * 8, "column") && In(nulls, Bits(rows), "null bitmap") && In(out, Bits(rows), "output"))
      set_.rangeF64(base_, col, nulls, rows, D(info, 3), D(info, 4), B(info, 5), out);
    return info.Env().Undefined();
  }
  Napi::Value InI64(const Napi::CallbackInfo& info) { return In64(info, false); }
  Napi::Value InF64(const Napi::CallbackInfo& info) { return In64(info, true); }
  Napi::Value In64(const Napi::CallbackInfo& info, bool f64) {
    const uint64_t col = U(info, 0), nulls = U(info, 1), set = U(info, 3), out = U(info, 6);
    const int32_t rows = I(info, 2), setLen = I(info, 4);
    if (RowsOk(rows) && RowsOk(setLen) && In(col, uint64_t(rows) * 8, "column") && In(nulls, Bits(rows), "null bitmap") &&
        In(set, uint64_t(setLen) * 8, "set") && In(out, Bits(rows), "output"))
      (f64 ? set_.inF64 : set_.inI64)(base_, col, nulls, rows, set, setLen, B(info, 5), out);
    return info.Env().Undefined();
  }
  Napi::Value ValidF64(const Napi::CallbackInfo& info) {
    const uint64_t col = U(info, 0), nulls = U(info, 1), out = U(info, 3);
    const int32_t rows = I(info, 2);
    if (RowsOk(rows) && In(col, uint64_t(rows) * 8, "column") && In(nulls, Bits(rows), "null bitmap") && In(out, Bits(rows), "output"))
      set_.validF64(base_, col, nulls, rows, out);
    return info.Env().Undefined();
  }
  Napi::Value Binary(const Napi::CallbackInfo& info, void (*fn)(uint8_t*, uint64_t, uint64_t, int32_t, uint64_t)) {
    const uint64_t a = U(info, 0), b = U(info, 1), out = U(info, 3);
    const int32_t rows = I(info, 2);
    if (RowsOk(rows) && In(a, Bits(rows), "bitmap a") && In(b, Bits(rows), "bitmap b") && In(out, Bits(rows), "output"))
      fn(base_, a, b, rows, out);
    return info.Env().Undefined();
  }
  Napi::Value AndBits(const Napi::CallbackInfo& info) { return Binary(info, set_.andBits); }
  Napi::Value OrBits(const Napi::CallbackInfo& info) { return Binary(info, set_.orBits); }
  Napi::Value AndNotBits(const Napi::CallbackInfo& info) { return Binary(info, set_.andNotBits); }
  Napi::Value NotBits(const Napi::CallbackInfo& info) {
    const uint64_t a = U(info, 0), out = U(info, 2);
    const int32_t rows = I(info, 1);
    if (RowsOk(rows) && In(a, Bits(rows), "bitmap") && In(out, Bits(rows), "output")) set_.notBits(base_, a, rows, out);
    return info.Env().Undefined();
  }
  Napi::Value Popcount(const Napi::CallbackInfo& info) {
    const uint64_t a = U(info, 0);
    const int32_t rows = I(info, 1);
    if (!RowsOk(rows) || !In(a, Bits(rows), "bitmap")) return info.Env().Undefined();
    return Napi::Number::New(info.Env(), double(set_.popcount(base_, a, rows)));
  }
  /** An aggregate's arguments (column, selection, rows[, result]), each converted once. */
  struct Agg { uint64_t col, sel, res; int32_t rows; };
  bool AggArgs(const Napi::CallbackInfo& info, uint64_t resBytes, Agg& a) {
    a.col = U(info, 0);
    a.sel = U(info, 1);
    a.rows = I(info, 2);
    a.res = resBytes == 0 ? 0 : U(info, 3);
    return RowsOk(a.rows) && In(a.col, uint64_t(a.rows) * 8, "column") && In(a.sel, Bits(a.rows), "selection") &&
           (resBytes == 0 || In(a.res, resBytes, "result"));
  }
  Napi::Value SumI64(const Napi::CallbackInfo& info) {
    Agg a;
    if (AggArgs(info, 32, a)) set_.sumI64(base_, a.col, a.sel, a.rows, a.res);
    return info.Env().Undefined();
  }
  Napi::Value SumF64(const Napi::CallbackInfo& info) {
    Agg a;
    if (AggArgs(info, 128, a)) set_.sumF64(base_, a.col, a.sel, a.rows, a.res);
    return info.Env().Undefined();
  }
  Napi::Value Hash(const Napi::CallbackInfo& info, bool f64) {
    const uint64_t col = U(info, 0), nulls = U(info, 1), out = U(info, 4);
    const int32_t rows = I(info, 2);
    const uint32_t seed = info[3].As<Napi::Number>().Uint32Value();
    if (RowsOk(rows) && In(col, uint64_t(rows) * 8, "column") && In(nulls, Bits(rows), "null bitmap") && In(out, uint64_t(rows) * 4, "output"))
      (f64 ? set_.hashF64 : set_.hashI64)(base_, col, nulls, rows, seed, out);
    return info.Env().Undefined();
  }
  Napi::Value HashI64(const Napi::CallbackInfo& info) { return Hash(info, false); }
  Napi::Value HashF64(const Napi::CallbackInfo& info) { return Hash(info, true); }
  Napi::Value MinI64(const Napi::CallbackInfo& info) {
    Agg a;
    if (!AggArgs(info, 0, a)) return info.Env().Undefined();
    return Napi::BigInt::New(info.Env(), set_.minI64(base_, a.col, a.sel, a.rows));
  }
  Napi::Value MaxI64(const Napi::CallbackInfo& info) {
    Agg a;
    if (!AggArgs(info, 0, a)) return info.Env().Undefined();
    return Napi::BigInt::New(info.Env(), set_.maxI64(base_, a.col, a.sel, a.rows));
  }
  Napi::Value MinF64(const Napi::CallbackInfo& info) {
    Agg a;
    if (!AggArgs(info, 0, a)) return info.Env().Undefined();
    return Napi::Number::New(info.Env(), set_.minF64(base_, a.col, a.sel, a.rows));
  }
  Napi::Value MaxF64(const Napi::CallbackInfo& info) {
    Agg a;
    if (!AggArgs(info, 0, a)) return info.Env().Undefined();
    return Napi::Number::New(info.Env(), set_.maxF64(base_, a.col, a.sel, a.rows));
  }
};

Napi::Value Cpu(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  __builtin_cpu_init();
  o.Set("avx2", Napi::Boolean::New(info.Env(), __builtin_cpu_supports("avx2")));
  o.Set("avx512", Napi::Boolean::New(info.Env(), __builtin_cpu_supports("avx512f")));
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("cpu", Napi::Function::New(env, Cpu));
  exports.Set("Kernels", Kernels::Init(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(heliosdb_simd, Init)
