# Exploration on the GPU machine (PyTorch there): which SDPA backend is fastest for the SD 1.5 UNet's
# attention shapes, what FP8 GEMMs would save (with and without fast accumulation), ways to compute
# regional cross-attention, and whether one packed QKV GEMM beats three projections.
import torch, torch.nn.functional as F
from torch.nn.attention import sdpa_kernel, SDPBackend
dev = "cuda"; dt = torch.float16
def timeit(fn, iters=20):
    for _ in range(3): fn()
    torch.cuda.synchronize()
    s = torch.cuda.Event(enable_timing=True); e = torch.cuda.Event(enable_timing=True)
    s.record()
    for _ in range(iters): fn()
    e.record(); torch.cuda.synchronize()
    return s.elapsed_time(e) / iters
print(torch.__version__, torch.backends.cudnn.version(), torch.cuda.get_device_name())
backs = {"default": None, "flash": SDPBackend.FLASH_ATTENTION, "efficient": SDPBackend.EFFICIENT_ATTENTION, "cudnn": SDPBackend.CUDNN_ATTENTION}
for side in (64, 96):
    tot = {k: 0.0 for k in backs}
    for lvl, (n, d) in enumerate([(side*side, 40), (side*side//4, 80), (side*side//16, 160), (side*side//64, 160)]):
        count = 1 if lvl == 3 else 5
        for kind, m in (("self", n), ("cross", 77)):
            q = torch.randn(15, 8, n, d, device=dev, dtype=dt); k = torch.randn(15, 8, m, d, device=dev, dtype=dt); v = torch.randn_like(k)
            row = []
            for name, b in backs.items():
                try:
                    if b is None: ms = timeit(lambda: F.scaled_dot_product_attention(q, k, v))
                    else:
                        with sdpa_kernel([b]): ms = timeit(lambda: F.scaled_dot_product_attention(q, k, v))
                    tot[name] += ms * count
                    row.append(f"{name} {ms:.3f}")
                except Exception as ex:
                    row.append(f"{name} ERR {str(ex)[:60]}")
            print(f"latent {side}: {kind} n={n} m={m} d={d}: " + ", ".join(row))
    print(f"latent {side} batch 15 total attention per UNet (ms):", {k: round(v, 2) for k, v in tot.items()})
# cuDNN vs flash numerics
q = torch.randn(15, 8, 4096, 40, device=dev, dtype=dt); k = torch.randn_like(q); v = torch.randn_like(q)
ref = F.scaled_dot_product_attention(q.float(), k.float(), v.float())
for name, b in list(backs.items())[1:]:
    try:
        with sdpa_kernel([b]): o = F.scaled_dot_product_attention(q, k, v)
        print(name, "max err vs fp32", (o.float() - ref).abs().max().item())
    except Exception as ex: print(name, "ERR", ex)
# FP8 GEMMs for the transformer linears at 768^2 batch 15 level 0 (M = 15*9216)
for (M, K, N) in [(15*9216, 320, 320), (15*9216, 320, 2560), (15*9216, 1280, 320), (15*4096, 320, 320), (15*4096, 320, 2560), (15*4096, 1280, 320), (15*2304, 640, 5120), (15*2304, 2560, 640)]:
    a = torch.randn(M, K, device=dev, dtype=dt); w = torch.randn(N, K, device=dev, dtype=dt)
    t16 = timeit(lambda: F.linear(a, w))
    a8 = a.to(torch.float8_e4m3fn); w8 = w.to(torch.float8_e4m3fn)
    one = torch.ones((), device=dev)
    try:
        t8 = timeit(lambda: torch._scaled_mm(a8, w8.t(), scale_a=one, scale_b=one, out_dtype=dt))
        def quant():
            s = a.abs().amax() / 448.0
            return (a / s).to(torch.float8_e4m3fn), s
        tq = timeit(quant)
        print(f"GEMM {M}x{K}x{N}: fp16 {t16:.3f} ms ({2*M*K*N/t16/1e9:.0f} TF/s), fp8 {t8:.3f} ms ({2*M*K*N/t8/1e9:.0f} TF/s), quantise act {tq:.3f} ms")
    except Exception as ex: print("fp8 ERR", ex)
# Regional cross-attention, 512^2 batch 5, p = 3, level 0
B, p, H, n, d, m = 5, 3, 8, 4096, 40, 77
q = torch.randn(B, H, n, d, device=dev, dtype=dt); kk = torch.randn(B * p, H, m, d, device=dev, dtype=dt); vv = torch.randn_like(kk)
mask = torch.rand(1, p, 1, n, 1, device=dev, dtype=dt); mask = mask / mask.sum(1, keepdim=True)
def current():
    qp = q.unsqueeze(1).expand(B, p, H, n, d).reshape(B * p, H, n, d)
    out = F.scaled_dot_product_attention(qp, kk, vv).view(B, p, H, n, d)
    return (out * mask).sum(1)
def math_concat():
    K = kk.view(B, p, H, m, d).permute(0, 2, 1, 3, 4).reshape(B, H, p * m, d)
    V = vv.view(B, p, H, m, d).permute(0, 2, 1, 3, 4).reshape(B, H, p * m, d)
    s = torch.matmul(q, K.transpose(-1, -2)) * d ** -0.5
    w = torch.softmax(s.view(B, H, n, p, m).float(), -1).to(dt) * mask.view(1, 1, p, n).permute(0, 1, 3, 2).unsqueeze(-1)
    return torch.matmul(w.view(B, H, n, p * m), V)
def heads_as_p():
    # queries repeated along heads instead of batch
    qp = q.unsqueeze(2).expand(B, H, p, n, d).reshape(B, H * p, n, d)
    K = kk.view(B, p, H, m, d).transpose(1, 2).reshape(B, H * p, m, d)
    V = vv.view(B, p, H, m, d).transpose(1, 2).reshape(B, H * p, m, d)
    out = F.scaled_dot_product_attention(qp, K, V).view(B, H, p, n, d)
    return (out * mask.view(1, 1, p, n, 1)).sum(2)
r = current()
for name, fn in (("current", current), ("math_concat", math_concat), ("heads_as_p", heads_as_p)):
    print(f"regional level0: {name} {timeit(fn):.3f} ms, err {(fn().float() - r.float()).abs().max().item():.2e}")
print("plain cross level0 batch 5:", timeit(lambda: F.scaled_dot_product_attention(q, kk[:B], vv[:B])))
# Packed QKV: cuDNN attention on q/k/v views of one GEMM output vs separate projections.
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
