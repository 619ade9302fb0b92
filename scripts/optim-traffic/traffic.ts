// Traffic-only versions of the optimizer passes (AssemblyScript): the same vector loads and stores as the real
// kernels in assembly/optim.ts, with one add per value instead of the arithmetic. Built and timed by floor.mjs.

/** NeuroPlastic pass 1's traffic: read g, a, m, v; write a, m, v and the memory signal. */
export function trafficTraces(n: i32, g: usize, act: usize, m: usize, v: usize, mem: usize): void {
  for (let i: i32 = 0; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    const gi = v128.load(g + o);
    v128.store(act + o, f32x4.add(v128.load(act + o), gi));
    v128.store(m + o, f32x4.add(v128.load(m + o), gi));
    v128.store(v + o, f32x4.add(v128.load(v + o), gi));
    v128.store(mem + o, gi);
  }
}

/** Pass 2's traffic: read g, a and the memory signal; write the update over the memory signal. */
export function trafficUpdate(n: i32, g: usize, act: usize, mem: usize): void {
  for (let i: i32 = 0; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    v128.store(mem + o, f32x4.add(f32x4.add(v128.load(g + o), v128.load(act + o)), v128.load(mem + o)));
  }
}

/** Pass 3's traffic: read w and the update; write w. */
export function trafficApply(n: i32, w: usize, upd: usize): void {
  for (let i: i32 = 0; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    v128.store(w + o, f32x4.add(v128.load(w + o), v128.load(upd + o)));
  }
}

/** Adam's traffic: read w, g, m, v; write w, m, v. */
export function trafficAdam(n: i32, w: usize, g: usize, m: usize, v: usize): void {
  for (let i: i32 = 0; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    const gi = v128.load(g + o);
    v128.store(m + o, f32x4.add(v128.load(m + o), gi));
    v128.store(v + o, f32x4.add(v128.load(v + o), gi));
    v128.store(w + o, f32x4.add(v128.load(w + o), gi));
  }
}
