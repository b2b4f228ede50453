// TF.js twin of the GPT training workload (packages/text/bench/gpt-workload.mjs): 2 layers, width
// 128, 4 heads, context 64, vocabulary 65, batch 32, pre-LayerNorm blocks, GPT-2's tanh GELU,
// lm_head tied to wte, causal attention written out; AdamW (Adam with betas 0.9 / 0.95 plus
// decoupled weight decay 0.1 on matrices: TF.js has no AdamW) with gradient clipping at global norm
// 1, on one fixed random batch. Linear weights are stored [in, out], TF.js's layout.

const V = 65;
const T = 64;
const B = 32;
const C = 128;
const H = 4;
const N_LAYER = 2;
const LR = 3e-3;
const WEIGHT_DECAY = 0.1;

/** Parameters with GPT-2's initialisation; `decay` lists the matrices. */
function parameters(tf) {
  const normal = (shape, std) => tf.variable(tf.randomNormal(shape, 0, std));
  const zeros = (n) => tf.variable(tf.zeros([n]));
  const ones = (n) => tf.variable(tf.ones([n]));
  const projStd = 0.02 / Math.sqrt(2 * N_LAYER);
  const p = {
    wte: normal([V, C], 0.02),
    wpe: normal([T, C], 0.02),
    blocks: Array.from({ length: N_LAYER }, () => ({
      ln1: { g: ones(C), b: zeros(C) },
      attn: { w: normal([C, 3 * C], 0.02), b: zeros(3 * C) },
      proj: { w: normal([C, C], projStd), b: zeros(C) },
      ln2: { g: ones(C), b: zeros(C) },
      fc: { w: normal([C, 4 * C], 0.02), b: zeros(4 * C) },
      fcProj: { w: normal([4 * C, C], projStd), b: zeros(C) },
    })),
    lnf: { g: ones(C), b: zeros(C) },
  };
  const all = [];
  const collect = (o) => {
    for (const v of Object.values(o)) {
      if (v instanceof tf.Variable) all.push(v);
      else collect(v);
    }
  };
  collect(p);
  return { p, all, decay: all.filter((v) => v.rank >= 2) };
}

function forward(tf, p, idx, causalBias) {
  const layerNorm = (x, ln) => {
    const { mean, variance } = tf.moments(x, -1, true);
    return x
      .sub(mean)
      .mul(tf.rsqrt(variance.add(1e-5)))
      .mul(ln.g)
      .add(ln.b);
  };
  const linear = (x, l) => tf.fused.matMul({ a: x, b: l.w, bias: l.b });
  const gelu = (x) =>
    x.mul(0.5).mul(tf.tanh(x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI))).add(1));
  const hd = C / H;
  let x = tf
    .gather(p.wte, idx)
    .add(p.wpe)
    .reshape([B * T, C]);
  for (const blk of p.blocks) {
    const qkv = linear(layerNorm(x, blk.ln1), blk.attn).reshape([B, T, 3, H, hd]).transpose([2, 0, 3, 1, 4]);
    const [q, k, v] = tf.unstack(qkv);
    const att = tf.softmax(
      tf
        .matMul(q, k, false, true)
        .mul(1 / Math.sqrt(hd))
        .add(causalBias),
    );
    const y = tf
      .matMul(att, v)
      .transpose([0, 2, 1, 3])
      .reshape([B * T, C]);
    x = x.add(linear(y, blk.proj));
    x = x.add(linear(gelu(linear(layerNorm(x, blk.ln2), blk.fc)), blk.fcProj));
  }
  return tf.matMul(layerNorm(x, p.lnf), p.wte, false, true);
}

/** The GPT training step in TF.js (`tf` on its backend). */
export function tfjsGptStep(tf) {
  const { p, all, decay } = parameters(tf);
  const adam = tf.train.adam(LR, 0.9, 0.95);
  const idx = tf.randomUniform([B, T], 0, V, 'int32');
  const targets = tf.oneHot(tf.randomUniform([B * T], 0, V, 'int32'), V);
  // 0 on and below the diagonal, a large negative number above: masked logits vanish in softmax.
  const causalBias = tf.tidy(() => tf.sub(1, tf.linalg.bandPart(tf.ones([T, T]), -1, 0)).mul(-1e9));
  return () => {
    const { value, grads } = tf.variableGrads(
      () => tf.losses.softmaxCrossEntropy(targets, forward(tf, p, idx, causalBias)),
      all,
    );
    const clipped = tf.tidy(() => {
      const norm = tf.sqrt(tf.addN(Object.values(grads).map((g) => g.square().sum())));
      const scale = tf.minimum(1, tf.div(1, norm.add(1e-6)));
      return Object.fromEntries(Object.entries(grads).map(([name, g]) => [name, g.mul(scale)]));
    });
    tf.tidy(() => {
      for (const v of decay) v.assign(v.mul(1 - LR * WEIGHT_DECAY));
    });
    adam.applyGradients(clipped);
    tf.dispose([value, grads, clipped]);
  };
}
