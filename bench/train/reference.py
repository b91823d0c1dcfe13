"""Reference trainers for bench/train: the same MLP on the same one-hot Adult features, in PyTorch (CPU) and
scikit-learn, same epochs and batch size. Reads the features run.ts wrote (float32 little-endian, row-major)
and prints one JSON line per trainer. Run with Debian's /usr/bin/python3 (python3-torch, python3-sklearn)."""
import json
import sys
import time

import numpy as np


def load(d, meta):
    def arr(name, rows, cols):
        return np.fromfile(f"{d}/{name}.f32", dtype="<f4").reshape(rows, cols)

    return (
        arr("xtrain", meta["train"], meta["width"]),
        arr("ytrain", meta["train"], 1),
        arr("xtest", meta["test"], meta["width"]),
        arr("ytest", meta["test"], 1),
    )


def torch_run(xtr, ytr, xte, yte, epochs, batch, hidden, lr, threads, seed):
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    layers = []
    width = xtr.shape[1]
    for h in hidden:
        layers += [torch.nn.Linear(width, h), torch.nn.ReLU()]
        width = h
    layers.append(torch.nn.Linear(width, 1))
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    x = torch.from_numpy(xtr)
    y = torch.from_numpy(ytr)
    n = x.shape[0]
    g = torch.Generator().manual_seed(seed)
    start = time.perf_counter()
    cpu = time.process_time()
    for _ in range(epochs):
        perm = torch.randperm(n, generator=g)
        for s in range(0, n, batch):
            idx = perm[s : s + batch]
            opt.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    with torch.no_grad():
        acc = float(((model(torch.from_numpy(xte)) > 0).float() == torch.from_numpy(yte)).float().mean())
    return elapsed, cpu, acc


def sklearn_run(xtr, ytr, xte, yte, epochs, batch, hidden, lr, seed):
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(
        hidden_layer_sizes=tuple(hidden), batch_size=batch, max_iter=epochs, learning_rate_init=lr,
        solver="adam", alpha=0.0, random_state=seed, tol=0, n_iter_no_change=epochs + 1, shuffle=True,
    )
    start = time.perf_counter()
    cpu = time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(xtr, ytr.ravel())
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    return elapsed, cpu, float((clf.predict(xte) == yte.ravel()).mean())


def main():
    d = sys.argv[1]
    meta = json.load(open(f"{d}/meta.json"))
    xtr, ytr, xte, yte = load(d, meta)
    e, b, h, lr = meta["epochs"], meta["batchSize"], meta["hidden"], meta["learningRate"]
    samples = meta["train"] * e
    for threads in meta.get("torchThreads", [1]):
        t, c, acc = torch_run(xtr, ytr, xte, yte, e, b, h, lr, threads, 0)
        row = {"name": f"pytorch-cpu-{threads}t", "seconds": t, "samplesPerSecond": samples / t, "testAccuracy": acc}
        if threads == 1:
            row["samplesPerCpuSecond"] = samples / c
        print(json.dumps(row), flush=True)
    t, c, acc = sklearn_run(xtr, ytr, xte, yte, e, b, h, lr, 0)
    print(json.dumps({"name": "scikit-learn", "seconds": t, "samplesPerSecond": samples / t, "testAccuracy": acc}), flush=True)


if __name__ == "__main__":
    main()
