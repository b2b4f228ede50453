"""Parity fixtures for @kindling/nn's recurrent, attention and transformer layers (PyTorch 1.13).

Writes packages/nn/test/fixtures/nn_seq.json: for every case, PyTorch's repr, its state dict
(randomised, so loading is actually tested), the inputs (float inputs require grad), the keyword
tensors (masks, initial states that are not differentiated), every output, and the gradients of
`sum_i (out_i * r_i).sum()` (r_i fixed random tensors, one per output) with respect to every float
input and every parameter. A few state dicts are also written as .safetensors files.

Cases run in eval mode unless they say `train`; training cases use dropout 0 or 1, the only
probabilities whose result does not depend on the random stream. In eval mode with inputs that
require grad, PyTorch 1.13 takes its reference (non-fused) paths.
"""
import json
import os

import torch
import torch.nn as nn
from common import ROOT
from common import enc as _enc
from st_writer import save_file

torch.manual_seed(0)
OUT = os.path.join(ROOT, "packages", "nn", "test", "fixtures")
os.makedirs(OUT, exist_ok=True)

cases = {}


def _short(v):
    return float(f"{v:.9g}") if isinstance(v, float) else v


def enc(t):
    """common.enc, with float32 values written with 9 significant digits (enough to round-trip)."""
    e = _enc(t)
    if isinstance(t, torch.Tensor) and t.dtype == torch.float32:
        e["data"] = [_short(v) for v in e["data"]]
    return e


def randomize(m):
    """Non-trivial parameters (PyTorch zero-initialises the attention biases)."""
    with torch.no_grad():
        for mod in m.modules():
            for name, p in mod.named_parameters(recurse=False):
                if isinstance(mod, nn.LayerNorm) and name == "weight":
                    p.copy_(1.0 + 0.3 * torch.randn_like(p))
                else:
                    p.copy_(0.4 * torch.randn_like(p))
    return m


def flat(out):
    """The output tensors of a call, in order (None entries, such as MHA's weights, dropped)."""
    if out is None:
        return []
    if isinstance(out, torch.Tensor):
        return [out]
    res = []
    for o in out:
        res += flat(o)
    return res


def run(name, module, inputs, call=None, kwargs=None, train=False, dtype=torch.float32, safetensors=False):
    """Runs `call(module, inputs, kwargs)` (default `module(*inputs)`) and records the case."""
    assert name not in cases, name
    module = module.to(dtype)
    randomize(module)
    module.train(train)
    state = {k: v.clone() for k, v in module.state_dict().items()}
    ins = [x.to(dtype).clone().requires_grad_(True) for x in inputs]
    kw = kwargs or {}
    call = call or (lambda m, xs, kw: m(*xs, **kw))
    raw = call(module, ins, kw)
    outs = flat(raw)
    rs = [torch.randn_like(o) for o in outs]
    loss = sum((o * r).sum() for o, r in zip(outs, rs))
    loss.backward()
    grads = {}
    for i, x in enumerate(ins):
        grads[f"input{i}"] = x.grad if x.grad is not None else torch.zeros_like(x)
    for k, p in module.named_parameters():
        grads[k] = p.grad if p.grad is not None else torch.zeros_like(p)
    cases[name] = {
        "repr": repr(module),
        "train": train,
        "state": {k: enc(v) for k, v in state.items()},
        "inputs": [enc(x) for x in ins],
        "kwargs": {k: enc(v) for k, v in kw.items()},
        "r": [enc(r) for r in rs],
        "outs": [enc(o) for o in outs],
        "grads": {k: enc(v) for k, v in grads.items()},
    }
    if safetensors:
        save_file(state, os.path.join(OUT, f"nn_seq_{name}.safetensors"), {"format": "pt", "case": name})


def rn(*shape):
    return torch.randn(*shape)


def causal(n):
    return nn.Transformer.generate_square_subsequent_mask(n)


def kpm(rows):
    return torch.tensor(rows, dtype=torch.bool)


# ---- RNN ------------------------------------------------------------------------------------------
run("RNN_tanh", nn.RNN(4, 5), [rn(6, 3, 4)])
run("RNN_relu_2layer_h0", nn.RNN(4, 5, num_layers=2, nonlinearity="relu"), [rn(4, 2, 4), rn(2, 2, 5)])
run("RNN_nobias_bf_bidir", nn.RNN(3, 4, bias=False, batch_first=True, bidirectional=True), [rn(2, 5, 3)])
run("RNN_unbatched_h0", nn.RNN(4, 3), [rn(5, 4), rn(1, 3)])
run("RNN_dropout_eval", nn.RNN(3, 4, num_layers=2, dropout=0.5), [rn(4, 2, 3)])
run("RNN_dropout1_train", nn.RNN(3, 4, num_layers=2, dropout=1.0), [rn(4, 2, 3)], train=True)

# ---- LSTM -----------------------------------------------------------------------------------------
run("LSTM", nn.LSTM(4, 5), [rn(6, 3, 4)])
run(
    "LSTM_multi_bidir_bf",
    nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True),
    [rn(2, 5, 3), rn(4, 2, 4), rn(4, 2, 4)],
    call=lambda m, xs, kw: m(xs[0], (xs[1], xs[2])),
    safetensors=True,
)
run("LSTM_nobias_2layer", nn.LSTM(3, 4, num_layers=2, bias=False), [rn(5, 2, 3)])
run(
    "LSTM_unbatched_h0",
    nn.LSTM(3, 4, bidirectional=True),
    [rn(5, 3), rn(2, 4), rn(2, 4)],
    call=lambda m, xs, kw: m(xs[0], (xs[1], xs[2])),
)
run("LSTM_proj", nn.LSTM(3, 5, num_layers=2, proj_size=2, bidirectional=True), [rn(4, 2, 3)])
run("LSTM_dropout1_train", nn.LSTM(3, 4, num_layers=3, dropout=1.0, batch_first=True), [rn(2, 4, 3)], train=True)
run("LSTM_f64", nn.LSTM(3, 4), [rn(4, 2, 3)], dtype=torch.float64)

# ---- GRU ------------------------------------------------------------------------------------------
run("GRU_h0", nn.GRU(4, 5), [rn(6, 3, 4), rn(1, 3, 5)])
run("GRU_multi_bidir", nn.GRU(3, 4, num_layers=2, bidirectional=True), [rn(5, 2, 3), rn(4, 2, 4)])
run("GRU_unbatched_bf", nn.GRU(3, 4, batch_first=True), [rn(5, 3)])
run("GRU_nobias", nn.GRU(3, 4, bias=False), [rn(4, 2, 3)])

# ---- cells ----------------------------------------------------------------------------------------
run("RNNCell", nn.RNNCell(4, 5), [rn(3, 4), rn(3, 5)])
run("RNNCell_relu_nobias", nn.RNNCell(4, 5, bias=False, nonlinearity="relu"), [rn(3, 4)])
run("RNNCell_unbatched", nn.RNNCell(3, 4), [rn(3), rn(4)])
run("LSTMCell", nn.LSTMCell(4, 5), [rn(3, 4), rn(3, 5), rn(3, 5)], call=lambda m, xs, kw: m(xs[0], (xs[1], xs[2])))
run("LSTMCell_nohx", nn.LSTMCell(3, 4, bias=False), [rn(2, 3)])
run("LSTMCell_unbatched", nn.LSTMCell(3, 4), [rn(3), rn(4), rn(4)], call=lambda m, xs, kw: m(xs[0], (xs[1], xs[2])))
run("GRUCell", nn.GRUCell(4, 5), [rn(3, 4), rn(3, 5)])
run("GRUCell_unbatched_nohx", nn.GRUCell(3, 4), [rn(3)])

# ---- MultiheadAttention ---------------------------------------------------------------------------
self_attn = lambda m, xs, kw: m(xs[0], xs[0], xs[0], **kw)  # noqa: E731
run("MHA_self", nn.MultiheadAttention(8, 2), [rn(5, 2, 8)], call=self_attn)
run(
    "MHA_kpm_causal_bf",
    nn.MultiheadAttention(8, 2, batch_first=True),
    [rn(2, 4, 8), rn(2, 4, 8), rn(2, 4, 8)],
    kwargs={"key_padding_mask": kpm([[False, False, False, True], [False, False, True, True]]), "attn_mask": causal(4)},
)
run(
    "MHA_bool3d_per_head",
    nn.MultiheadAttention(6, 3),
    [rn(3, 2, 6), rn(4, 2, 6), rn(4, 2, 6)],
    kwargs={"attn_mask": torch.rand(6, 3, 4) > 0.7, "average_attn_weights": False},
)
run(
    "MHA_kdim_vdim",
    nn.MultiheadAttention(8, 4, kdim=3, vdim=5, batch_first=True),
    [rn(2, 3, 8), rn(2, 4, 3), rn(2, 4, 5)],
    kwargs={"key_padding_mask": kpm([[False, True, False, False], [False, False, False, False]])},
)
run(
    "MHA_nobias_unbatched",
    nn.MultiheadAttention(6, 2, bias=False),
    [rn(3, 6), rn(5, 6), rn(5, 6)],
    kwargs={"key_padding_mask": kpm([False, False, True, False, True]), "attn_mask": 0.5 * rn(3, 5)},
)
run(
    "MHA_no_weights_float_kpm",
    nn.MultiheadAttention(8, 2, dropout=0.3),
    [rn(4, 2, 8), rn(5, 2, 8), rn(5, 2, 8)],
    kwargs={"key_padding_mask": 0.5 * rn(2, 5), "need_weights": False},
)
run(
    "MHA_bias_kv_zero_attn",
    nn.MultiheadAttention(4, 2, add_bias_kv=True, add_zero_attn=True),
    [rn(3, 2, 4), rn(4, 2, 4), rn(4, 2, 4)],
    kwargs={"key_padding_mask": kpm([[False, False, True, False], [False, False, False, False]]), "attn_mask": causal(4)[:3]},
)
run(
    "MHA_dropout1_train",
    nn.MultiheadAttention(4, 2, dropout=1.0),
    [rn(3, 2, 4), rn(3, 2, 4), rn(3, 2, 4)],
    train=True,
)

# ---- transformer ----------------------------------------------------------------------------------
enc_kw = {"src_mask": causal(5), "src_key_padding_mask": kpm([[False] * 5, [False, False, False, True, True]])}
run("EncoderLayer_post", nn.TransformerEncoderLayer(8, 2, dim_feedforward=16), [rn(5, 2, 8)], kwargs=enc_kw, safetensors=True)
run(
    "EncoderLayer_pre_gelu_bf",
    nn.TransformerEncoderLayer(8, 2, dim_feedforward=12, activation="gelu", batch_first=True, norm_first=True, layer_norm_eps=1e-6),
    [rn(2, 5, 8)],
    kwargs={"src_key_padding_mask": kpm([[False, False, True, False, False], [False] * 5])},
)
run("EncoderLayer_unbatched", nn.TransformerEncoderLayer(6, 3, dim_feedforward=10), [rn(4, 6)])
run("EncoderLayer_train_dropout1", nn.TransformerEncoderLayer(6, 2, dim_feedforward=8, dropout=1.0), [rn(3, 2, 6)], train=True)
run("EncoderLayer_train_dropout0", nn.TransformerEncoderLayer(6, 2, dim_feedforward=8, dropout=0.0), [rn(3, 2, 6)], train=True)
dec_kw = {
    "tgt_mask": causal(4),
    "tgt_key_padding_mask": kpm([[False] * 4, [False, False, False, True]]),
    "memory_key_padding_mask": kpm([[False, False, False, False, True], [False] * 5]),
}
run("DecoderLayer_post", nn.TransformerDecoderLayer(8, 2, dim_feedforward=16), [rn(4, 2, 8), rn(5, 2, 8)], kwargs=dec_kw)
run(
    "DecoderLayer_pre_gelu_bf",
    nn.TransformerDecoderLayer(8, 4, dim_feedforward=12, activation="gelu", batch_first=True, norm_first=True),
    [rn(2, 3, 8), rn(2, 5, 8)],
    kwargs={"tgt_mask": causal(3), "memory_mask": rn(3, 5) * 0.5},
)
run(
    "Encoder_norm",
    nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, dim_feedforward=16), 2, norm=nn.LayerNorm(8)),
    [rn(5, 2, 8)],
    kwargs={"mask": causal(5), "src_key_padding_mask": kpm([[False] * 5, [False, False, False, False, True]])},
)
run(
    "Decoder",
    nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, batch_first=True), 2),
    [rn(2, 4, 8), rn(2, 3, 8)],
    kwargs={"tgt_mask": causal(4)},
)
run(
    "Transformer",
    nn.Transformer(8, 2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=16, batch_first=True),
    [rn(2, 5, 8), rn(2, 4, 8)],
    kwargs={"tgt_mask": causal(4), "src_key_padding_mask": kpm([[False] * 5, [False, False, False, True, True]])},
)

masks = {str(n): enc(causal(n)) for n in (0, 1, 4)}

with open(os.path.join(OUT, "nn_seq.json"), "w") as f:
    json.dump(
        {"generator": "tools/golden/nn_seq.py", "torch": torch.__version__, "cases": cases, "squareSubsequentMask": masks},
        f,
        separators=(",", ":"),
    )
print(f"wrote {len(cases)} cases to packages/nn/test/fixtures/nn_seq.json")
