// Optional native kernels (N-API addon, built at install by scripts/build-native.mjs; never required). They run on
// the WASM backend's shared linear memory, with the same signatures as its exports (pointers are byte offsets), so
// the TypeScript side swaps them in per function. Why native: WASM SIMD has no fused multiply-add and is 128 bits
// wide; here the GEMM micro-kernel uses 512- or 256-bit FMA where the CPU has it (picked at load time). Results
// agree with the TypeScript reference kernels to rounding (the backend agreement tests), not bit for bit with WASM.
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__)
#define CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define CLONES
#endif
#define INLINE static inline __attribute__((always_inline))

enum { KC = 256, MC = 144, NC = 1024 };

typedef struct Instance Instance;
typedef void (*Gemm)(const Instance *, int, int, int, int, int, float, const float *, int, const float *, int, float,
                     float *, int);

struct Instance {
  uint8_t *base; // start of the WASM linear memory (shared memory never moves)
  float *packA;  // MC x KC
  float *packB;  // KC x NC
  Gemm gemm;     // the widest GEMM this CPU runs
  int width;     // its vector width in floats
};

// ---------------------------------------------------------------------------------------------------------------
// GEMM: C = alpha op(A) op(B) + beta C, row-major, GotoBLAS-style blocking as in assembly/gemm.ts. gemm.h holds
// one width's packing, micro-kernel and driver; it is compiled twice: 512-bit vectors for AVX-512 CPUs and 256-bit
// ones (with AVX2+FMA and baseline clones) for the rest, picked once at load.

#define GEMM_NAME sgemm_w16
#define GEMM_WIDTH 16
#define GEMM_MR 8
#define GEMM_TARGET __attribute__((target("arch=x86-64-v4")))
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#include "gemm.h"
#endif

#define GEMM_NAME sgemm_w8
#define GEMM_WIDTH 8
#define GEMM_MR 6
#define GEMM_TARGET CLONES
#include "gemm.h"

static int has_avx512(void) {
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
#else
  return 0;
#endif
}

/** Selects the GEMM of vector width `width` (16 needs AVX-512); returns the width in effect. */
static int use_width(Instance *in, int width) {
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
  if (width == 16 && has_avx512()) {
    in->gemm = sgemm_w16;
    return in->width = 16;
  }
#endif
  in->gemm = sgemm_w8;
  return in->width = 8;
}

// ---------------------------------------------------------------------------------------------------------------
// Convolution over a range of images, as assembly/nn.ts (geometry: i32 fields in linear memory).

/** The geometry block, its fields in ConvGeometrySlot's order (src/engine/kernels/layouts.ts; a test compares). */
typedef struct {
  int inC, inH, inW, outC, kH, kW, sH, sW, pH, pW, outH, outW;
} Geometry;

static Geometry read_geometry(const uint8_t *g) {
  Geometry out;
  memcpy(&out, g, sizeof out);
  return out;
}

static int pointwise(const Geometry *g) {
  return g->kH == 1 && g->kW == 1 && g->sH == 1 && g->sW == 1 && g->pH == 0 && g->pW == 0;
}

/** Output columns [lo, hi) whose input column (ox * sW - pW + kj) falls inside the image, for stride 1. */
static void inside_columns(const Geometry *g, int kj, int *lo, int *hi) {
  *lo = g->pW - kj > 0 ? g->pW - kj : 0;
  *hi = g->inW + g->pW - kj < g->outW ? g->inW + g->pW - kj : g->outW;
  if (*hi < *lo) *hi = *lo;
}

/** Unfolds one image into cols [inC*kH*kW, outH*outW]. */
static void im2col(const Geometry *g, const float *x, float *cols) {
  float *at = cols;
  for (int c = 0; c < g->inC; c++) {
    const float *plane = x + (size_t)c * g->inH * g->inW;
    for (int ki = 0; ki < g->kH; ki++) {
      for (int kj = 0; kj < g->kW; kj++) {
        int lo, hi;
        inside_columns(g, kj, &lo, &hi);
        for (int oy = 0; oy < g->outH; oy++, at += g->outW) {
          int iy = oy * g->sH - g->pH + ki;
          if (iy < 0 || iy >= g->inH) {
            memset(at, 0, (size_t)g->outW * sizeof(float));
            continue;
          }
          const float *line = plane + (size_t)iy * g->inW;
          if (g->sW == 1) {
            // Stride 1: a zero margin, one contiguous copy, a zero margin.
            memset(at, 0, (size_t)lo * sizeof(float));
            memcpy(at + lo, line + lo - g->pW + kj, (size_t)(hi - lo) * sizeof(float));
            memset(at + hi, 0, (size_t)(g->outW - hi) * sizeof(float));
            continue;
          }
          for (int ox = 0; ox < g->outW; ox++) {
            int ix = ox * g->sW - g->pW + kj;
            at[ox] = ix >= 0 && ix < g->inW ? line[ix] : 0;
          }
        }
      }
    }
  }
}

/** Folds cols back, accumulating into one image (the adjoint of im2col). */
static void col2im(const Geometry *g, const float *cols, float *dx) {
  const float *at = cols;
  for (int c = 0; c < g->inC; c++) {
    float *plane = dx + (size_t)c * g->inH * g->inW;
    for (int ki = 0; ki < g->kH; ki++) {
      for (int kj = 0; kj < g->kW; kj++) {
        int lo, hi;
        inside_columns(g, kj, &lo, &hi);
        for (int oy = 0; oy < g->outH; oy++, at += g->outW) {
          int iy = oy * g->sH - g->pH + ki;
          if (iy < 0 || iy >= g->inH) continue;
          float *line = plane + (size_t)iy * g->inW;
          if (g->sW == 1) {
            float *dst = line + lo - g->pW + kj;
            for (int i = 0; i < hi - lo; i++) dst[i] += at[lo + i];
            continue;
          }
          for (int ox = 0; ox < g->outW; ox++) {
            int ix = ox * g->sW - g->pW + kj;
            if (ix >= 0 && ix < g->inW) line[ix] += at[ox];
          }
        }
      }
    }
  }
}

static void conv_forward(const Instance *in, const Geometry *g, int b0, int b1, const float *x, const float *w,
                         const float *bias, float *y, float *cols, int relu) {
  int kdim = g->inC * g->kH * g->kW, spatial = g->outH * g->outW;
  size_t inSize = (size_t)g->inC * g->inH * g->inW, outSize = (size_t)g->outC * spatial;
  for (int b = b0; b < b1; b++) {
    const float *xn = x + b * inSize;
    float *yn = y + b * outSize;
    if (bias)
      for (int o = 0; o < g->outC; o++)
        for (int i = 0; i < spatial; i++) yn[(size_t)o * spatial + i] = bias[o];
    const float *src = xn;
    if (!pointwise(g)) {
      im2col(g, xn, cols);
      src = cols;
    }
    in->gemm(in, 0, 0, g->outC, spatial, kdim, 1, w, kdim, src, spatial, bias ? 1 : 0, yn, spatial);
    if (relu)
      for (size_t i = 0; i < outSize; i++) yn[i] = yn[i] > 0 ? yn[i] : 0;
  }
}

static void conv_backward(const Instance *in, const Geometry *g, int b0, int b1, const float *x, const float *w,
                          const float *dy, float *dw, float *dx, float *cols) {
  int kdim = g->inC * g->kH * g->kW, spatial = g->outH * g->outW;
  size_t inSize = (size_t)g->inC * g->inH * g->inW, outSize = (size_t)g->outC * spatial;
  int pw = pointwise(g);
  for (int b = b0; b < b1; b++) {
    const float *xn = x + b * inSize, *dyn = dy + b * outSize;
    const float *src = xn;
    if (!pw) {
      im2col(g, xn, cols);
      src = cols;
    }
    in->gemm(in, 0, 1, g->outC, kdim, spatial, 1, dyn, spatial, src, spatial, 1, dw, kdim);
    if (!dx) continue;
    float *dxn = dx + b * inSize;
    if (pw) {
      in->gemm(in, 1, 0, kdim, spatial, g->outC, 1, w, kdim, dyn, spatial, 0, dxn, spatial);
    } else {
      in->gemm(in, 1, 0, kdim, spatial, g->outC, 1, w, kdim, dyn, spatial, 0, cols, spatial);
      memset(dxn, 0, inSize * sizeof(float));
      col2im(g, cols, dxn);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// N-API bindings.

#define MAX_ARGS 16

/** The instance, or NULL after throwing. */
static Instance *instance(napi_env env) {
  void *data = NULL;
  napi_get_instance_data(env, &data);
  if (!data) napi_throw_error(env, NULL, "neuroplast native kernels: not initialised");
  return data;
}

/** Reads `n` numeric arguments; throws (and returns 0) if there are fewer or memory is not bound. */
static Instance *read_args(napi_env env, napi_callback_info info, size_t n, double *out) {
  size_t argc = MAX_ARGS;
  napi_value argv[MAX_ARGS];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  Instance *in = instance(env);
  if (!in) return NULL;
  if (!in->base) {
    napi_throw_error(env, NULL, "neuroplast native kernels: bindMemory was not called");
    return NULL;
  }
  if (argc < n) {
    napi_throw_type_error(env, NULL, "neuroplast native kernels: too few arguments");
    return NULL;
  }
  for (size_t i = 0; i < n; i++) {
    if (napi_get_value_double(env, argv[i], &out[i]) != napi_ok) {
      napi_throw_type_error(env, NULL, "neuroplast native kernels: arguments must be numbers");
      return NULL;
    }
  }
  return in;
}

/** A WASM address: an i32 argument, read as unsigned as WASM does (memories reach 4 GiB). */
static size_t address(double offset) { return (size_t)(uint32_t)(int64_t)offset; }
#define AT(in, offset) ((float *)((in)->base + address(offset)))
#define AT_OR_NULL(in, offset) ((offset) == 0 ? NULL : AT(in, offset))

/** sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, work): work is unused (own buffers). */
static napi_value js_sgemm(napi_env env, napi_callback_info info) {
  double v[13];
  Instance *in = read_args(env, info, 13, v);
  if (in)
    in->gemm(in, v[0] != 0, v[1] != 0, (int)v[2], (int)v[3], (int)v[4], (float)v[5], AT(in, v[6]), (int)v[7],
             AT(in, v[8]), (int)v[9], (float)v[10], AT(in, v[11]), (int)v[12]);
  return NULL;
}

/** Reads a convolution call's 10 arguments (the first points at its geometry); NULL after throwing. */
static Instance *read_conv_args(napi_env env, napi_callback_info info, double *v, Geometry *g) {
  Instance *in = read_args(env, info, 10, v);
  if (in) *g = read_geometry(in->base + address(v[0]));
  return in;
}

/** conv2dForward(g, b0, b1, x, w, bias, y, work, cols, fuseRelu), as the WASM export. */
static napi_value js_conv2d_forward(napi_env env, napi_callback_info info) {
  double v[10];
  Geometry g;
  Instance *in = read_conv_args(env, info, v, &g);
  if (!in) return NULL;
  conv_forward(in, &g, (int)v[1], (int)v[2], AT(in, v[3]), AT(in, v[4]), AT_OR_NULL(in, v[5]), AT(in, v[6]),
               AT(in, v[8]), v[9] != 0);
  return NULL;
}

/** conv2dBackward(g, b0, b1, x, w, dy, dw, dx, work, cols), as the WASM export. */
static napi_value js_conv2d_backward(napi_env env, napi_callback_info info) {
  double v[10];
  Geometry g;
  Instance *in = read_conv_args(env, info, v, &g);
  if (!in) return NULL;
  conv_backward(in, &g, (int)v[1], (int)v[2], AT(in, v[3]), AT(in, v[4]), AT(in, v[5]), AT(in, v[6]),
                AT_OR_NULL(in, v[7]), AT(in, v[9]));
  return NULL;
}

/** bindMemory(view): the Uint8Array over the whole WASM memory whose offsets later calls use. */
static napi_value js_bind_memory(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  napi_typedarray_type type;
  size_t length, offset;
  void *data = NULL;
  napi_value buffer;
  if (argc < 1 || napi_get_typedarray_info(env, argv[0], &type, &length, &data, &buffer, &offset) != napi_ok ||
      type != napi_uint8_array || offset != 0 || !data) {
    napi_throw_type_error(env, NULL, "bindMemory: expected a Uint8Array over the whole WASM memory");
    return NULL;
  }
  Instance *in = instance(env);
  if (in) in->base = data;
  return NULL;
}

/** target(): the instruction set the GEMM runs with here. */
static napi_value js_target(napi_env env, napi_callback_info info) {
  (void)info;
  Instance *in = instance(env);
  if (!in) return NULL;
  const char *name = "generic C";
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
  __builtin_cpu_init();
  if (in->width == 16) name = "AVX-512 (512-bit FMA)";
  else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) name = "AVX2 (256-bit FMA)";
  else name = "SSE2";
#endif
  napi_value out;
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &out);
  return out;
}

/** useVectorWidth(8 | 16): picks the GEMM (tests run both); returns the width in effect (16 needs AVX-512). */
static napi_value js_use_width(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  int32_t width = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  Instance *in = instance(env);
  if (!in) return NULL;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &width) != napi_ok || (width != 8 && width != 16)) {
    napi_throw_range_error(env, NULL, "useVectorWidth: expected 8 or 16");
    return NULL;
  }
  napi_create_int32(env, use_width(in, width), &out);
  return out;
}

static void free_instance(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  Instance *in = data;
  free(in->packA);
  free(in->packB);
  free(in);
}

NAPI_MODULE_INIT() {
  Instance *in = calloc(1, sizeof *in);
  if (in) {
    in->packA = aligned_alloc(64, (size_t)MC * KC * sizeof(float));
    in->packB = aligned_alloc(64, (size_t)KC * NC * sizeof(float));
  }
  if (!in || !in->packA || !in->packB) {
    napi_throw_error(env, NULL, "neuroplast native kernels: out of memory");
    return NULL;
  }
  use_width(in, 16);
  napi_set_instance_data(env, in, free_instance, NULL);
  napi_property_descriptor props[] = {
      {"bindMemory", NULL, js_bind_memory, NULL, NULL, NULL, napi_default, NULL},
      {"sgemm", NULL, js_sgemm, NULL, NULL, NULL, napi_default, NULL},
      {"conv2dForward", NULL, js_conv2d_forward, NULL, NULL, NULL, napi_default, NULL},
      {"conv2dBackward", NULL, js_conv2d_backward, NULL, NULL, NULL, napi_default, NULL},
      {"target", NULL, js_target, NULL, NULL, NULL, napi_default, NULL},
      {"useVectorWidth", NULL, js_use_width, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
