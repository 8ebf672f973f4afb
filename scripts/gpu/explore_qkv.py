# Exploration on the GPU machine: is cuDNN attention as fast on q/k/v views of one packed QKV GEMM
# output as on separate projections, and what does the packed GEMM save? FP8 GEMMs with fast accumulation.
import torch, torch.nn.functional as F
dev, dt = "cuda", torch.float16
def timeit(fn, iters=30):
    for _ in range(3): fn()
    torch.cuda.synchronize()
    s = torch.cuda.Event(enable_timing=True); e = torch.cuda.Event(enable_timing=True)
    s.record()
    for _ in range(iters): fn()
    e.record(); torch.cuda.synchronize()
    return s.elapsed_time(e) / iters
for (B, n, C) in [(15, 9216, 320), (15, 4096, 320), (15, 2304, 640), (5, 4096, 320)]:
    H = 8; d = C // H
    x = torch.randn(B, n, C, device=dev, dtype=dt)
    wq, wk, wv = [torch.randn(C, C, device=dev, dtype=dt) * 0.05 for _ in range(3)]
    wqkv = torch.cat([wq, wk, wv])
    def separate():
        q = F.linear(x, wq).view(B, n, H, d).transpose(1, 2)
        k = F.linear(x, wk).view(B, n, H, d).transpose(1, 2)
        v = F.linear(x, wv).view(B, n, H, d).transpose(1, 2)
        return F.scaled_dot_product_attention(q, k, v)
    def packed():
        qkv = F.linear(x, wqkv).view(B, n, 3, H, d)
        q, k, v = qkv.unbind(2)
        return F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2))
    t_sep = timeit(separate); t_pack = timeit(packed)
    g_sep = timeit(lambda: [F.linear(x, w) for w in (wq, wk, wv)]); g_pack = timeit(lambda: F.linear(x, wqkv))
    err = (separate() - packed()).abs().max().item()
    print(f"B{B} n{n} C{C}: projections+attention separate {t_sep:.3f} packed {t_pack:.3f} ms; GEMMs alone {g_sep:.3f} vs {g_pack:.3f}; diff {err:.1e}")
for (M, K, N) in [(15*9216, 320, 2560), (15*9216, 1280, 320), (15*2304, 640, 5120), (15*2304, 2560, 640)]:
    a = torch.randn(M, K, device=dev, dtype=dt); w = torch.randn(N, K, device=dev, dtype=dt)
    a8 = a.to(torch.float8_e4m3fn); w8 = w.to(torch.float8_e4m3fn); one = torch.ones((), device=dev)
    t16 = timeit(lambda: F.linear(a, w))
    t8 = timeit(lambda: torch._scaled_mm(a8, w8.t(), scale_a=one, scale_b=one, out_dtype=dt, use_fast_accum=True))
    cast = timeit(lambda: a.to(torch.float8_e4m3fn))
    print(f"GEMM {M}x{K}x{N}: fp16 {t16:.3f}, fp8 fast-accum {t8:.3f}, plain cast of the activation {cast:.3f} ms")
