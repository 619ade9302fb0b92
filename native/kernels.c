// Optional native kernels (N-API addon, built at install by scripts/build-native.mjs; never required). They run on
// the WASM backend's shared linear memory, with the same signatures as its exports (pointers are byte offsets), so
// the TypeScript side swaps them in per function. Why native: WASM SIMD has no fused multiply-add and is 128 bits
// wide; here the GEMM micro-kernel uses 256-bit FMA where the CPU has it (target clones picked at load time).
// Results agree with the TypeScript reference kernels to rounding (test/native.test.ts), not bit for bit with WASM.
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__)
#define CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CLONES
#endif
#define INLINE static inline __attribute__((always_inline))

typedef float v8 __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4)));

enum { MR = 6, NR = 16, KC = 256, MC = 144, NC = 1024 };

typedef struct {
  uint8_t *base; // start of the WASM linear memory (shared memory never moves)
  float *packA;  // MC x KC
  float *packB;  // KC x NC
} Instance;

// ---------------------------------------------------------------------------------------------------------------
// GEMM: C = alpha op(A) op(B) + beta C, row-major, GotoBLAS-style blocking as in assembly/gemm.ts.

/** Packs rows [i0, i0+mc) x cols [p0, p0+kc) of op(A) into MR-row strips, zero-padded. */
INLINE void pack_a(int trans, const float *a, int lda, int i0, int p0, int mc, int kc, float *dst) {
  for (int s = 0; s < mc; s += MR) {
    int rows = mc - s < MR ? mc - s : MR;
    float *out = dst + (size_t)s * kc;
    for (int p = 0; p < kc; p++) {
      for (int r = 0; r < MR; r++) {
        float v = 0;
        if (r < rows) {
          size_t i = (size_t)(i0 + s + r), col = (size_t)(p0 + p);
          v = trans ? a[col * lda + i] : a[i * lda + col];
        }
        out[p * MR + r] = v;
      }
    }
  }
}

/** Packs rows [p0, p0+kc) x cols [j0, j0+nc) of op(B) into NR-column strips, zero-padded. */
INLINE void pack_b(int trans, const float *b, int ldb, int p0, int j0, int kc, int nc, float *dst) {
  for (int s = 0; s < nc; s += NR) {
    int cols = nc - s < NR ? nc - s : NR;
    float *out = dst + (size_t)s * kc;
    if (!trans && cols == NR) {
      for (int p = 0; p < kc; p++) memcpy(out + p * NR, b + (size_t)(p0 + p) * ldb + j0 + s, NR * sizeof(float));
      continue;
    }
    for (int p = 0; p < kc; p++) {
      for (int c = 0; c < NR; c++) {
        float v = 0;
        if (c < cols) {
          size_t j = (size_t)(j0 + s + c), row = (size_t)(p0 + p);
          v = trans ? b[j * ldb + row] : b[row * ldb + j];
        }
        out[p * NR + c] = v;
      }
    }
  }
}

/** C[MR x NR tile] += alpha (packed A strip)(packed B strip) over kc steps; edge tiles add only rows x cols. */
INLINE void micro_kernel(int kc, const float *pa, const float *pb, float alpha, float *c, int ldc, int rows,
                         int cols) {
  v8 c00 = {0}, c01 = {0}, c10 = {0}, c11 = {0}, c20 = {0}, c21 = {0};
  v8 c30 = {0}, c31 = {0}, c40 = {0}, c41 = {0}, c50 = {0}, c51 = {0};
  for (int p = 0; p < kc; p++) {
    v8 b0 = *(const v8 *)pb, b1 = *(const v8 *)(pb + 8);
    float a0 = pa[0];
    c00 += (v8){a0, a0, a0, a0, a0, a0, a0, a0} * b0;
    c01 += (v8){a0, a0, a0, a0, a0, a0, a0, a0} * b1;
    float a1 = pa[1];
    c10 += (v8){a1, a1, a1, a1, a1, a1, a1, a1} * b0;
    c11 += (v8){a1, a1, a1, a1, a1, a1, a1, a1} * b1;
    float a2 = pa[2];
    c20 += (v8){a2, a2, a2, a2, a2, a2, a2, a2} * b0;
    c21 += (v8){a2, a2, a2, a2, a2, a2, a2, a2} * b1;
    float a3 = pa[3];
    c30 += (v8){a3, a3, a3, a3, a3, a3, a3, a3} * b0;
    c31 += (v8){a3, a3, a3, a3, a3, a3, a3, a3} * b1;
    float a4 = pa[4];
    c40 += (v8){a4, a4, a4, a4, a4, a4, a4, a4} * b0;
    c41 += (v8){a4, a4, a4, a4, a4, a4, a4, a4} * b1;
    float a5 = pa[5];
    c50 += (v8){a5, a5, a5, a5, a5, a5, a5, a5} * b0;
    c51 += (v8){a5, a5, a5, a5, a5, a5, a5, a5} * b1;
    pa += MR;
    pb += NR;
  }
  v8 acc[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
  if (rows == MR && cols == NR) {
    for (int r = 0; r < MR; r++) {
      v8u *row = (v8u *)(c + (size_t)r * ldc);
      row[0] += alpha * acc[r][0];
      row[1] += alpha * acc[r][1];
    }
    return;
  }
  for (int r = 0; r < rows; r++) {
    float tile[NR];
    memcpy(tile, &acc[r][0], sizeof tile / 2);
    memcpy(tile + 8, &acc[r][1], sizeof tile / 2);
    for (int j = 0; j < cols; j++) c[(size_t)r * ldc + j] += alpha * tile[j];
  }
}

CLONES static void sgemm(const Instance *in, int transA, int transB, int m, int n, int k, float alpha,
                         const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc) {
  if (beta != 1) {
    for (int i = 0; i < m; i++) {
      float *row = c + (size_t)i * ldc;
      if (beta == 0) memset(row, 0, (size_t)n * sizeof(float));
      else
        for (int j = 0; j < n; j++) row[j] *= beta;
    }
  }
  if (k == 0 || alpha == 0) return;
  for (int jc = 0; jc < n; jc += NC) {
    int nc = n - jc < NC ? n - jc : NC;
    for (int pc = 0; pc < k; pc += KC) {
      int kc = k - pc < KC ? k - pc : KC;
      pack_b(transB, b, ldb, pc, jc, kc, nc, in->packB);
      for (int ic = 0; ic < m; ic += MC) {
        int mc = m - ic < MC ? m - ic : MC;
        pack_a(transA, a, lda, ic, pc, mc, kc, in->packA);
        for (int jr = 0; jr < nc; jr += NR) {
          int cols = nc - jr < NR ? nc - jr : NR;
          const float *pbs = in->packB + (size_t)jr * kc;
          for (int ir = 0; ir < mc; ir += MR) {
            int rows = mc - ir < MR ? mc - ir : MR;
            float *cp = c + (size_t)(ic + ir) * ldc + jc + jr;
            micro_kernel(kc, in->packA + (size_t)ir * kc, pbs, alpha, cp, ldc, rows, cols);
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Convolution over a range of images, as assembly/nn.ts (geometry: i32 fields in linear memory).

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
    sgemm(in, 0, 0, g->outC, spatial, kdim, 1, w, kdim, src, spatial, bias ? 1 : 0, yn, spatial);
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
    sgemm(in, 0, 1, g->outC, kdim, spatial, 1, dyn, spatial, src, spatial, 1, dw, kdim);
    if (!dx) continue;
    float *dxn = dx + b * inSize;
    if (pw) {
      sgemm(in, 1, 0, kdim, spatial, g->outC, 1, w, kdim, dyn, spatial, 0, dxn, spatial);
    } else {
      sgemm(in, 1, 0, kdim, spatial, g->outC, 1, w, kdim, dyn, spatial, 0, cols, spatial);
      memset(dxn, 0, inSize * sizeof(float));
      col2im(g, cols, dxn);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// N-API bindings.

#define MAX_ARGS 16

/** Reads `n` numeric arguments; throws (and returns 0) if there are fewer or memory is not bound. */
static Instance *read_args(napi_env env, napi_callback_info info, size_t n, double *out) {
  size_t argc = MAX_ARGS;
  napi_value argv[MAX_ARGS];
  void *data = NULL;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  napi_get_instance_data(env, &data);
  Instance *in = data;
  if (!in || !in->base) {
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

#define AT(in, offset) ((float *)((in)->base + (size_t)(offset)))
#define AT_OR_NULL(in, offset) ((offset) == 0 ? NULL : AT(in, offset))

/** sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, work): work is unused (own buffers). */
static napi_value js_sgemm(napi_env env, napi_callback_info info) {
  double v[13];
  Instance *in = read_args(env, info, 13, v);
  if (in)
    sgemm(in, v[0] != 0, v[1] != 0, (int)v[2], (int)v[3], (int)v[4], (float)v[5], AT(in, v[6]), (int)v[7],
          AT(in, v[8]), (int)v[9], (float)v[10], AT(in, v[11]), (int)v[12]);
  return NULL;
}

/** conv2dForward(g, b0, b1, x, w, bias, y, work, cols, fuseRelu), as the WASM export. */
static napi_value js_conv2d_forward(napi_env env, napi_callback_info info) {
  double v[10];
  Instance *in = read_args(env, info, 10, v);
  if (!in) return NULL;
  Geometry g = read_geometry(in->base + (size_t)v[0]);
  conv_forward(in, &g, (int)v[1], (int)v[2], AT(in, v[3]), AT(in, v[4]), AT_OR_NULL(in, v[5]), AT(in, v[6]),
               AT(in, v[8]), v[9] != 0);
  return NULL;
}

/** conv2dBackward(g, b0, b1, x, w, dy, dw, dx, work, cols), as the WASM export. */
static napi_value js_conv2d_backward(napi_env env, napi_callback_info info) {
  double v[10];
  Instance *in = read_args(env, info, 10, v);
  if (!in) return NULL;
  Geometry g = read_geometry(in->base + (size_t)v[0]);
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
  void *instance = NULL;
  napi_get_instance_data(env, &instance);
  ((Instance *)instance)->base = data;
  return NULL;
}

/** The instruction set the GEMM runs with on this CPU (the target clone the loader picks). */
static napi_value js_target(napi_env env, napi_callback_info info) {
  (void)info;
  const char *name = "generic";
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("x86-64-v4")) name = "x86-64-v4 (AVX-512)";
  else if (__builtin_cpu_supports("x86-64-v3")) name = "x86-64-v3 (AVX2, FMA)";
  else name = "x86-64 (SSE2)";
#endif
  napi_value out;
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &out);
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
  napi_set_instance_data(env, in, free_instance, NULL);
  napi_property_descriptor props[] = {
      {"bindMemory", NULL, js_bind_memory, NULL, NULL, NULL, napi_default, NULL},
      {"sgemm", NULL, js_sgemm, NULL, NULL, NULL, napi_default, NULL},
      {"conv2dForward", NULL, js_conv2d_forward, NULL, NULL, NULL, napi_default, NULL},
      {"conv2dBackward", NULL, js_conv2d_backward, NULL, NULL, NULL, napi_default, NULL},
      {"target", NULL, js_target, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
