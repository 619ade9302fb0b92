// One vector width's GEMM, included by kernels.c with GEMM_NAME, GEMM_WIDTH (floats per vector), GEMM_MR (rows per
// micro-tile; the tile is GEMM_MR x 2*GEMM_WIDTH) and GEMM_TARGET (function attributes) defined; undefines them.
#define CAT2(a, b) a##_##b
#define CAT(a, b) CAT2(a, b)
#define LOCAL(name) CAT(GEMM_NAME, name)
#define W GEMM_WIDTH
#define MR GEMM_MR
#define NR (2 * GEMM_WIDTH)

typedef float LOCAL(vec) __attribute__((vector_size(4 * W)));
typedef float LOCAL(vecu) __attribute__((vector_size(4 * W), aligned(4)));

/** Packs rows [i0, i0+mc) x cols [p0, p0+kc) of op(A) into MR-row strips, zero-padded. */
INLINE void LOCAL(pack_a)(int trans, const float *a, int lda, int i0, int p0, int mc, int kc, float *dst) {
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
INLINE void LOCAL(pack_b)(int trans, const float *b, int ldb, int p0, int j0, int kc, int nc, float *dst) {
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
INLINE void LOCAL(micro_kernel)(int kc, const float *pa, const float *pb, float alpha, float *c, int ldc, int rows,
                                int cols) {
  LOCAL(vec) acc[MR][2];
#pragma GCC unroll 16
  for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = (LOCAL(vec)){0};
  for (int p = 0; p < kc; p++) {
    LOCAL(vec) b0 = *(const LOCAL(vec) *)pb, b1 = *(const LOCAL(vec) *)(pb + W);
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
      // A broadcast written as a splat of the scalar: (vec){0} + x would cost an add (0 + x is not x for x = -0).
      LOCAL(vec) a = pa[r] - (LOCAL(vec)){0};
      acc[r][0] += a * b0;
      acc[r][1] += a * b1;
    }
    pa += MR;
    pb += NR;
  }
  if (rows == MR && cols == NR) {
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
      LOCAL(vecu) *row = (LOCAL(vecu) *)(c + (size_t)r * ldc);
      row[0] += alpha * acc[r][0];
      row[1] += alpha * acc[r][1];
    }
    return;
  }
  for (int r = 0; r < rows; r++) {
    float tile[NR];
    memcpy(tile, &acc[r][0], sizeof tile / 2);
    memcpy(tile + W, &acc[r][1], sizeof tile / 2);
    for (int j = 0; j < cols; j++) c[(size_t)r * ldc + j] += alpha * tile[j];
  }
}

/**
 * C += alpha A B^T for row-major A (m x k) and B (n x k) with few columns n and long rows: dot products along k, 4
 * rows by 2 columns at a time (a packed tile 2W wide would be mostly padding). A block's missing rows and columns
 * repeat its last one and are not stored.
 */
INLINE void LOCAL(gemm_nt_dots)(int m, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb,
                                float *c, int ldc) {
  for (int i = 0; i < m; i += 4) {
    int rows = m - i < 4 ? m - i : 4;
    const float *ar[4];
    for (int r = 0; r < 4; r++) ar[r] = a + (size_t)(i + (r < rows ? r : rows - 1)) * lda;
    for (int j = 0; j < n; j += 2) {
      int cols = n - j < 2 ? n - j : 2;
      const float *b0 = b + (size_t)j * ldb, *b1 = b + (size_t)(j + cols - 1) * ldb;
      LOCAL(vec) acc[4][2];
#pragma GCC unroll 4
      for (int r = 0; r < 4; r++) acc[r][0] = acc[r][1] = (LOCAL(vec)){0};
      int p = 0;
      for (; p + W <= k; p += W) {
        LOCAL(vec) v0 = *(const LOCAL(vecu) *)(b0 + p), v1 = *(const LOCAL(vecu) *)(b1 + p);
#pragma GCC unroll 4
        for (int r = 0; r < 4; r++) {
          LOCAL(vec) av = *(const LOCAL(vecu) *)(ar[r] + p);
          acc[r][0] += av * v0;
          acc[r][1] += av * v1;
        }
      }
      for (int r = 0; r < rows; r++) {
        for (int q = 0; q < cols; q++) {
          float lanes[W], sum = 0;
          memcpy(lanes, &acc[r][q], sizeof lanes);
          for (int l = 0; l < W; l++) sum += lanes[l];
          const float *bq = q ? b1 : b0;
          for (int t = p; t < k; t++) sum += ar[r][t] * bq[t];
          c[(size_t)(i + r) * ldc + j + q] += alpha * sum;
        }
      }
    }
  }
}

GEMM_TARGET static void GEMM_NAME(const Instance *in, int transA, int transB, int m, int n, int k, float alpha,
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
  if (!transA && transB && n <= 12 && k >= 4 * W) {
    LOCAL(gemm_nt_dots)(m, n, k, alpha, a, lda, b, ldb, c, ldc);
    return;
  }
  for (int jc = 0; jc < n; jc += NC) {
    int nc = n - jc < NC ? n - jc : NC;
    for (int pc = 0; pc < k; pc += KC) {
      int kc = k - pc < KC ? k - pc : KC;
      LOCAL(pack_b)(transB, b, ldb, pc, jc, kc, nc, in->packB);
      for (int ic = 0; ic < m; ic += MC) {
        int mc = m - ic < MC ? m - ic : MC;
        LOCAL(pack_a)(transA, a, lda, ic, pc, mc, kc, in->packA);
        for (int jr = 0; jr < nc; jr += NR) {
          int cols = nc - jr < NR ? nc - jr : NR;
          const float *pbs = in->packB + (size_t)jr * kc;
          for (int ir = 0; ir < mc; ir += MR) {
            int rows = mc - ir < MR ? mc - ir : MR;
            float *cp = c + (size_t)(ic + ir) * ldc + jc + jr;
            LOCAL(micro_kernel)(kc, in->packA + (size_t)ir * kc, pbs, alpha, cp, ldc, rows, cols);
          }
        }
      }
    }
  }
}

#undef W
#undef MR
#undef NR
#undef LOCAL
#undef CAT
#undef CAT2
#undef GEMM_NAME
#undef GEMM_WIDTH
#undef GEMM_MR
#undef GEMM_TARGET
