// Would native code bring NeuroPlastic's step closer to Adam's? Times C versions of Adam and of the three
// NeuroPlastic passes (same arithmetic and sum blocking as assembly/optim.ts; not the shipped kernels) on n values,
// compiled with whatever vector width the flags give.
// Usage: gcc -O3 -march=native -ffast-math -fno-finite-math-only scripts/optim-traffic/native.c -lm -o /tmp/np-c
//        /tmp/np-c 200704     (the MLP's first weight matrix; 50176 keeps all six arrays in a 2 MB L2)
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static float *w, *g, *m, *v, *act, *mem;

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

__attribute__((noinline)) static void adam(int n, float b1, float b2, float step, float bc, float eps) {
  for (int i = 0; i < n; i++) {
    float mi = b1 * m[i] + (1 - b1) * g[i];
    float vi = b2 * v[i] + (1 - b2) * g[i] * g[i];
    m[i] = mi;
    v[i] = vi;
    w[i] -= step * mi / (sqrtf(vi) * bc + eps);
  }
}

// Pass 1: trace, moments, memory signal; sums of |g|, trace and memory in f32 blocks of 256 added into f64.
__attribute__((noinline)) static void pass1(int n, float ba, float bm, float bv, float eps, double *sums) {
  double tg = 0, ta = 0, tm = 0;
  for (int i0 = 0; i0 < n; i0 += 256) {
    float sg = 0, sa = 0, sm = 0;
    for (int i = i0; i < i0 + 256; i++) {
      float ag = fabsf(g[i]);
      float ai = ba * act[i] + (1 - ba) * ag;
      float mi = bm * m[i] + (1 - bm) * g[i];
      float vi = bv * v[i] + (1 - bv) * g[i] * g[i];
      act[i] = ai;
      m[i] = mi;
      v[i] = vi;
      mem[i] = fabsf(mi) / (sqrtf(vi) + eps);
      sg += ag;
      sa += ai;
      sm += mem[i];
    }
    tg += sg, ta += sa, tm += sm;
  }
  sums[0] = tg, sums[1] = ta, sums[2] = tm;
}

static inline float clip(float x, float lo, float hi) { return x < lo ? lo : x > hi ? hi : x; }

// Pass 2: alpha g into mem (in place) and the sum of its squares.
__attribute__((noinline)) static double pass2(int n, float kg, float ka, float kgf, float km, float lo, float hi) {
  double total = 0;
  for (int i0 = 0; i0 < n; i0 += 256) {
    float s = 0;
    for (int i = i0; i < i0 + 256; i++) {
      float ag = fabsf(g[i]);
      float u = (clip(kg * ag, lo, hi) + clip(ka * act[i] + kgf * ag + km * mem[i], lo, hi)) * g[i];
      mem[i] = u;
      s += u * u;
    }
    total += s;
  }
  return total;
}

__attribute__((noinline)) static void pass3(int n, float shrink, float step) {
  for (int i = 0; i < n; i++) w[i] = w[i] * shrink - step * mem[i];
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 200704;
  if (n <= 0 || n % 256) {
    fprintf(stderr, "n must be a positive multiple of 256, found %s\n", argc > 1 ? argv[1] : "");
    return 2;
  }
  float **arrays[] = {&w, &g, &m, &v, &act, &mem};
  for (int k = 0; k < 6; k++) {
    *arrays[k] = aligned_alloc(64, (size_t)n * 4);
    for (int i = 0; i < n; i++) (*arrays[k])[i] = (float)rand() / RAND_MAX * 0.01f;
  }
  double sums[3], sink = 0;
  for (int round = 0; round < 5; round++) {
    double t0 = now_ms(), t[5];
    int it = 0;
#define TIME(slot, body)                                     \
  for (t0 = now_ms(), it = 0; now_ms() - t0 < 200; it++) body; \
  t[slot] = (now_ms() - t0) / it;
    TIME(0, adam(n, 0.9f, 0.999f, 1e-3f, 1.0f, 1e-8f))
    TIME(1, (pass1(n, 0.95f, 0.9f, 0.99f, 1e-8f, sums), sink += pass2(n, 0.5f, 0.2f, 0.2f, 0.1f, 0.1f, 1),
             pass3(n, 1, 1e-9f)))
    TIME(2, pass1(n, 0.95f, 0.9f, 0.99f, 1e-8f, sums))
    TIME(3, sink += pass2(n, 0.5f, 0.2f, 0.2f, 0.1f, 0.1f, 1))
    TIME(4, pass3(n, 1, 1e-9f))
    printf("n %d  adam %.4f ms  neuroplastic %.4f ms  ratio %.2f  (pass 1 %.4f, 2 %.4f, 3 %.4f)\n", n, t[0], t[1],
           t[1] / t[0], t[2], t[3], t[4]);
  }
  return sink == 12345.0;  // keeps the sums live
}
