// The image-classifier training workloads of the CPU benchmarks, shared by train.bench.mjs and the
// `pnpm bench` table (tools/bench/table.mjs). Their PyTorch twins are in tools/bench/torch_train.py
// (same keys), their TF.js ones in tools/bench/tfjs-training.mjs. A step is zeroGrad + forward +
// cross entropy + backward + optimizer step on one fixed random batch; `setup(device)` builds it on
// another device (default 'cpu': the WebGPU benchmark, packages/core/bench/webgpu.bench.mjs, passes
// 'webgpu'), and a step returns its loss, so a caller can wait for a GPU step to finish.
import { manualSeed, randint, randn } from '@kindling/core';
import '@kindling/autograd';
import { Adam, Conv2d, crossEntropy, Flatten, Linear, MaxPool2d, ReLU, SGD, Sequential } from '@kindling/nn';

const mlp = () => new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 10));

const lenet = () =>
  new Sequential(
    new Conv2d(1, 6, 5, { padding: 2 }),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(6, 16, 5),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(400, 120),
    new ReLU(),
    new Linear(120, 84),
    new ReLU(),
    new Linear(84, 10),
  );

const sgd = (p) => new SGD(p, { lr: 0.01, momentum: 0.9 });
const adam = (p) => new Adam(p, { lr: 1e-3 });

/** A training step of a 10-class classifier on a fixed random batch of `shape`, on `device`. */
function classifierStep(makeModel, shape, makeOptimizer, device = 'cpu') {
  manualSeed(0);
  const model = makeModel().to(device);
  const opt = makeOptimizer(model.parameters());
  const x = randn(shape).to(device);
  const y = randint(0, 10, [shape[0]]).to(device);
  return () => {
    opt.zeroGrad();
    const loss = crossEntropy(model.call(x), y);
    loss.backward();
    opt.step();
    return loss;
  };
}

/** name -> { label, setup(device = 'cpu'): step function }. */
export const trainingWorkloads = {
  mlp: {
    label: 'MLP 784-256-10, batch 128, Adam',
    setup: (device) => classifierStep(mlp, [128, 784], adam, device),
  },
  mlp_sgd: {
    label: 'MLP 784-256-10, batch 128, SGD',
    setup: (device) => classifierStep(mlp, [128, 784], sgd, device),
  },
  lenet: {
    label: 'LeNet-5, batch 64, SGD+momentum',
    setup: (device) => classifierStep(lenet, [64, 1, 28, 28], sgd, device),
  },
};
