// WASM SIMD single-precision GEMM (AssemblyScript), GotoBLAS-style: pack a KC x NC panel of op(B) into
// 8-column strips and an MC x KC block of op(A) into 4-row strips, then a 4x8 register-blocked micro-kernel
// (8 f32x4 accumulators) streams both strips. WASM SIMD has no FMA, so each step is a mul then an add.
// Pointers are byte offsets into linear memory, managed by the TypeScript side (src/engine/kernels/wasm.ts).
// Nothing here touches fixed addresses, so several threads can run it at once on disjoint workspaces.

const MR: i32 = 4;
const NR: i32 = 8;
const KC: i32 = 256;
const MC: i32 = 128;
const NC: i32 = 1024;

/** Packs rows [i0, i0+mc) x cols [p0, p0+kc) of op(A) into MR-row strips: strip s, step p holds MR values. */
function packA(trans: bool, a: usize, lda: i32, i0: i32, p0: i32, mc: i32, kc: i32, dst: usize): void {
  for (let s: i32 = 0; s < mc; s += MR) {
    const rows = min(MR, mc - s);
    const base = dst + <usize>(s * kc) * 4;
    for (let p: i32 = 0; p < kc; p++) {
      const out = base + <usize>(p * MR) * 4;
      for (let r: i32 = 0; r < MR; r++) {
        let v: f32 = 0;
        if (r < rows) {
          const i = i0 + s + r;
          const col = p0 + p;
          v = trans ? load<f32>(a + <usize>(col * lda + i) * 4) : load<f32>(a + <usize>(i * lda + col) * 4);
        }
        store<f32>(out + <usize>r * 4, v);
      }
    }
  }
}

/** Packs rows [p0, p0+kc) x cols [j0, j0+nc) of op(B) into NR-column strips: strip s, step p holds NR values. */
function packB(trans: bool, b: usize, ldb: i32, p0: i32, j0: i32, kc: i32, nc: i32, dst: usize): void {
  for (let s: i32 = 0; s < nc; s += NR) {
    const cols = min(NR, nc - s);
    const base = dst + <usize>(s * kc) * 4;
    if (!trans && cols == NR) {
      for (let p: i32 = 0; p < kc; p++) {
        const src = b + <usize>((p0 + p) * ldb + j0 + s) * 4;
        const out = base + <usize>(p * NR) * 4;
        v128.store(out, v128.load(src));
        v128.store(out, v128.load(src, 16), 16);
      }
      continue;
    }
    for (let p: i32 = 0; p < kc; p++) {
      const out = base + <usize>(p * NR) * 4;
      for (let c: i32 = 0; c < NR; c++) {
        let v: f32 = 0;
        if (c < cols) {
          const j = j0 + s + c;
          const row = p0 + p;
          v = trans ? load<f32>(b + <usize>(j * ldb + row) * 4) : load<f32>(b + <usize>(row * ldb + j) * 4);
        }
        store<f32>(out + <usize>c * 4, v);
      }
    }
  }
}

/** C[4x8 tile] += alpha * (packed A strip) * (packed B strip) over kc steps; edge tiles store only rows x cols. */
function kernel4x8(
  kc: i32,
  pa: usize,
  pb: usize,
  alpha: f32,
  c: usize,
  ldc: i32,
  rows: i32,
  cols: i32,
  scratch: usize,
): void {
  let c00 = f32x4.splat(0),
    c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0),
    c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0),
    c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0),
    c31 = f32x4.splat(0);
  for (let p: i32 = 0; p < kc; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    pa += 16;
    pb += 32;
  }
  const al = f32x4.splat(alpha);
  const rowStride = <usize>ldc * 4;
  if (rows == MR && cols == NR) {
    let p = c;
    v128.store(p, f32x4.add(v128.load(p), f32x4.mul(al, c00)));
    v128.store(p, f32x4.add(v128.load(p, 16), f32x4.mul(al, c01)), 16);
    p += rowStride;
    v128.store(p, f32x4.add(v128.load(p), f32x4.mul(al, c10)));
    v128.store(p, f32x4.add(v128.load(p, 16), f32x4.mul(al, c11)), 16);
    p += rowStride;
    v128.store(p, f32x4.add(v128.load(p), f32x4.mul(al, c20)));
    v128.store(p, f32x4.add(v128.load(p, 16), f32x4.mul(al, c21)), 16);
    p += rowStride;
    v128.store(p, f32x4.add(v128.load(p), f32x4.mul(al, c30)));
    v128.store(p, f32x4.add(v128.load(p, 16), f32x4.mul(al, c31)), 16);
    return;
  }
  // Edge tile: spill to the caller's 32-float scratch (per thread), then add the valid part.
  v128.store(scratch, f32x4.mul(al, c00));
  v128.store(scratch, f32x4.mul(al, c01), 16);
  v128.store(scratch, f32x4.mul(al, c10), 32);
  v128.store(scratch, f32x4.mul(al, c11), 48);
  v128.store(scratch, f32x4.mul(al, c20), 64);
  v128.store(scratch, f32x4.mul(al, c21), 80);
  v128.store(scratch, f32x4.mul(al, c30), 96);
  v128.store(scratch, f32x4.mul(al, c31), 112);
  for (let r: i32 = 0; r < rows; r++) {
    const crow = c + <usize>r * rowStride;
    for (let j: i32 = 0; j < cols; j++) {
      const addr = crow + <usize>j * 4;
      store<f32>(addr, load<f32>(addr) + load<f32>(scratch + <usize>(r * NR + j) * 4));
    }
  }
}

const PACK_BYTES: i32 = (MC * KC + KC * NC) * 4;

/** Bytes of per-thread workspace `sgemm` needs: packed panels plus a 128-byte edge-tile scratch. */
export function workspaceBytes(): i32 {
  return PACK_BYTES + 128;
}

/**
 * C = alpha * op(A) * op(B) + beta * C (row-major). transA: A stored k x m; transB: B stored n x k.
 * `work` must hold workspaceBytes() bytes, 16-byte aligned.
 */
export function sgemm(
  transA: bool,
  transB: bool,
  m: i32,
  n: i32,
  k: i32,
  alpha: f32,
  a: usize,
  lda: i32,
  b: usize,
  ldb: i32,
  beta: f32,
  c: usize,
  ldc: i32,
  work: usize,
): void {
  if (beta != 1) {
    for (let i: i32 = 0; i < m; i++) {
      const row = c + <usize>(i * ldc) * 4;
      if (beta == 0) memory.fill(row, 0, <usize>n * 4);
      else
        for (let j: i32 = 0; j < n; j++) store<f32>(row + <usize>j * 4, beta * load<f32>(row + <usize>j * 4));
    }
  }
  if (k == 0 || alpha == 0) return;
  const pa = work;
  const pb = work + <usize>(MC * KC) * 4;
  const scratch = work + <usize>PACK_BYTES;
  for (let jc: i32 = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc: i32 = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      packB(transB, b, ldb, pc, jc, kc, nc, pb);
      for (let ic: i32 = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA(transA, a, lda, ic, pc, mc, kc, pa);
        for (let jr: i32 = 0; jr < nc; jr += NR) {
          const cols = min(NR, nc - jr);
          const pbs = pb + <usize>(jr * kc) * 4;
          for (let ir: i32 = 0; ir < mc; ir += MR) {
            const rows = min(MR, mc - ir);
            const cptr = c + <usize>((ic + ir) * ldc + jc + jr) * 4;
            kernel4x8(kc, pa + <usize>(ir * kc) * 4, pbs, alpha, cptr, ldc, rows, cols, scratch);
          }
        }
      }
    }
  }
}
