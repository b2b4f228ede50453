// TF.js twins of the image-classifier training workloads (packages/nn/bench/train-workloads.mjs,
// same keys): MLP 784-256-10 batch 128 with SGD(0.01, momentum 0.9) or Adam(1e-3), LeNet-5 batch 64
// with SGD(0.01, momentum 0.9), softmax cross entropy, one fixed random batch. Written the way TF.js
// trains a custom model fast: variables, fused matMul / conv2d with bias and ReLU (what tf.layers
// uses), `optimizer.minimize`. Images are NHWC, TF.js's layout.

/** A dense layer `[inF] -> [outF]` with PyTorch's default uniform initialisation. */
function dense(tf, inF, outF) {
  const bound = 1 / Math.sqrt(inF);
  return {
    w: tf.variable(tf.randomUniform([inF, outF], -bound, bound)),
    b: tf.variable(tf.randomUniform([outF], -bound, bound)),
  };
}

/** A k x k convolution `cin -> cout` (filter HWIO). */
function conv(tf, k, cin, cout) {
  const bound = 1 / Math.sqrt(cin * k * k);
  return {
    w: tf.variable(tf.randomUniform([k, k, cin, cout], -bound, bound)),
    b: tf.variable(tf.randomUniform([cout], -bound, bound)),
  };
}

const linear = (tf, l, x, activation = 'linear') => tf.fused.matMul({ a: x, b: l.w, bias: l.b, activation });

function mlp(tf) {
  const fc1 = dense(tf, 784, 256);
  const fc2 = dense(tf, 256, 10);
  return { shape: [128, 784], forward: (x) => linear(tf, fc2, linear(tf, fc1, x, 'relu')) };
}

function lenet(tf) {
  const c1 = conv(tf, 5, 1, 6);
  const c2 = conv(tf, 5, 6, 16);
  const f1 = dense(tf, 400, 120);
  const f2 = dense(tf, 120, 84);
  const f3 = dense(tf, 84, 10);
  const convRelu = (l, x, pad) =>
    tf.fused.conv2d({ x, filter: l.w, bias: l.b, strides: 1, pad, activation: 'relu' });
  const forward = (x) => {
    let h = tf.maxPool(convRelu(c1, x, 2), 2, 2, 'valid');
    h = tf.maxPool(convRelu(c2, h, 0), 2, 2, 'valid');
    h = h.reshape([h.shape[0], -1]);
    return linear(tf, f3, linear(tf, f2, linear(tf, f1, h, 'relu'), 'relu'));
  };
  return { shape: [64, 28, 28, 1], forward };
}

const models = {
  mlp: { model: mlp, optimizer: (tf) => tf.train.adam(1e-3) },
  mlp_sgd: { model: mlp, optimizer: (tf) => tf.train.momentum(0.01, 0.9) },
  lenet: { model: lenet, optimizer: (tf) => tf.train.momentum(0.01, 0.9) },
};

/** The training step of workload `key` in TF.js (`tf` on its backend). */
export function tfjsTrainingStep(tf, key) {
  const { model, optimizer } = models[key];
  const { shape, forward } = model(tf);
  const opt = optimizer(tf);
  const x = tf.randomNormal(shape);
  const labels = tf.oneHot(tf.randomUniform([shape[0]], 0, 10, 'int32'), 10);
  return () => {
    opt.minimize(() => tf.losses.softmaxCrossEntropy(labels, forward(x)));
  };
}
