#include "models/chunked_attention.h"

#include <algorithm>

namespace palette {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Queries per chunk: about 2^20 scores, which keeps a chunk's score matrix in cache.
int64_t chunk_rows(int64_t keys) {
  return std::max<int64_t>((int64_t(1) << 20) / std::max<int64_t>(keys, 1), 1);
}

class ChunkedAttention : public torch::autograd::Function<ChunkedAttention> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& q, const torch::Tensor& k,
                               const torch::Tensor& v) {
    ctx->save_for_backward({q, k, v});
    const int64_t rows = q.size(0), n = q.size(1), chunk = chunk_rows(k.size(1));
    torch::Tensor out = torch::empty({rows, n, v.size(2)}, v.options());
    for (int64_t r = 0; r < rows; ++r) {
      const torch::Tensor kt = k[r].t();
      for (int64_t start = 0; start < n; start += chunk) {
        const int64_t count = std::min(chunk, n - start);
        const torch::Tensor weights = torch::softmax(torch::mm(q[r].narrow(0, start, count), kt), -1);
        out[r].narrow(0, start, count).copy_(torch::mm(weights, v[r]));
      }
    }
    return out;
  }

  // With P = softmax(S), S = q kᵀ, O = P v and the incoming dO, per chunk of queries:
  // dv += Pᵀ dO, dP = dO vᵀ, dS = P ⊙ (dP − rowsum(dP ⊙ P)), dq = dS k, dk += dSᵀ q.
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor &q = saved[0], &k = saved[1], &v = saved[2];
    const torch::Tensor grad_out = grads[0].contiguous();
    const int64_t rows = q.size(0), n = q.size(1), chunk = chunk_rows(k.size(1));
    torch::Tensor dq = torch::empty_like(q), dk = torch::zeros_like(k), dv = torch::zeros_like(v);
    for (int64_t r = 0; r < rows; ++r) {
      const torch::Tensor kr = k[r], vr = v[r];
      const torch::Tensor kt = kr.t(), vt = vr.t();
      torch::Tensor dkr = dk[r], dvr = dv[r];
      for (int64_t start = 0; start < n; start += chunk) {
        const int64_t count = std::min(chunk, n - start);
        const torch::Tensor qc = q[r].narrow(0, start, count);
        const torch::Tensor doc = grad_out[r].narrow(0, start, count);
        const torch::Tensor p = torch::softmax(torch::mm(qc, kt), -1);
        dvr.addmm_(p.t(), doc);
        torch::Tensor ds = torch::mm(doc, vt);
        ds.sub_((ds * p).sum(-1, /*keepdim=*/true)).mul_(p);
        dq[r].narrow(0, start, count).copy_(torch::mm(ds, kr));
        dkr.addmm_(ds.t(), qc);
      }
    }
    return {dq, dk, dv};
  }
};

}  // namespace

torch::Tensor chunked_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v) {
  return ChunkedAttention::apply(q, k, v);
}

}  // namespace palette
