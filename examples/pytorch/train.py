"""A user's own PyTorch training, run by `rml train examples/pytorch/income.train.json` in external command
mode. Responsible ML sets three environment variables and does the rest:

- RML_METRICS_FILE: append one JSON line per epoch ({"epoch": 1, "loss": ..., "val_accuracy": ...}); the
  editor's panel and `rml train` stream them as they are written.
- RML_PREDICTIONS_FILE: write test-set predictions as CSV (prediction, score, label and protected columns);
  after the command exits, the same fairness audit as for built-in runs is written to the run folder.
- RML_RUN_DIR: the run folder, for anything else you want to keep (the model, plots).

Needs torch and pandas (Debian: apt-get install python3-torch python3-pandas).
"""
import json
import os
import time

import numpy as np
import pandas as pd
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "adult")
LABEL, POSITIVE, PROTECTED = "income", ">50K", ["sex", "race"]
EPOCHS, BATCH, LR = int(os.environ.get("EPOCHS", "10")), 256, 1e-3

train = pd.read_csv(os.path.join(DATA, "adult.csv"), na_values="?", skipinitialspace=True)
test = pd.read_csv(os.path.join(DATA, "adult-test.csv"), na_values="?", skipinitialspace=True)
features = [c for c in train.columns if c not in (LABEL, "fnlwgt")]
numeric = [c for c in features if pd.api.types.is_numeric_dtype(train[c])]
categorical = [c for c in features if c not in numeric]


def encode(df, ref):
    num = (df[numeric] - ref[numeric].mean()) / ref[numeric].std(ddof=0)
    cat = pd.get_dummies(df[categorical].fillna("(missing)"))
    return num, cat


num_tr, cat_tr = encode(train, train)
num_te, cat_te = encode(test, train)
cat_te = cat_te.reindex(columns=cat_tr.columns, fill_value=0)  # unseen categories: all zeros
x_tr = torch.tensor(np.hstack([num_tr.values, cat_tr.values]).astype("float32"))
x_te = torch.tensor(np.hstack([num_te.values, cat_te.values]).astype("float32"))
y_tr = torch.tensor((train[LABEL] == POSITIVE).values.astype("float32")).unsqueeze(1)
y_te = (test[LABEL] == POSITIVE).values

torch.manual_seed(0)
model = torch.nn.Sequential(
    torch.nn.Linear(x_tr.shape[1], 64), torch.nn.ReLU(), torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 1)
)
opt = torch.optim.Adam(model.parameters(), lr=LR)
loss_fn = torch.nn.BCEWithLogitsLoss()

metrics = open(os.environ["RML_METRICS_FILE"], "a")
for epoch in range(1, EPOCHS + 1):
    start, total, batches = time.perf_counter(), 0.0, 0
    perm = torch.randperm(len(x_tr))
    model.train()
    for s in range(0, len(x_tr), BATCH):
        idx = perm[s : s + BATCH]
        opt.zero_grad()
        loss = loss_fn(model(x_tr[idx]), y_tr[idx])
        loss.backward()
        opt.step()
        total, batches = total + loss.item(), batches + 1
    model.eval()
    with torch.no_grad():
        acc = float(((model(x_te) > 0).numpy().ravel() == y_te).mean())
    rate = len(x_tr) / (time.perf_counter() - start)
    metrics.write(json.dumps({"epoch": epoch, "loss": total / batches, "val_accuracy": acc, "samplesPerSecond": rate}) + "\n")
    metrics.flush()
    print(f"epoch {epoch}: loss {total / batches:.4f}, accuracy {acc:.4f}")

with torch.no_grad():
    score = torch.sigmoid(model(x_te)).numpy().ravel()
out = pd.DataFrame({"prediction": np.where(score >= 0.5, POSITIVE, "<=50K"), "score": score})
for c in [LABEL] + PROTECTED:
    out[c] = test[c].values
out.to_csv(os.environ["RML_PREDICTIONS_FILE"], index=False)
torch.save(model.state_dict(), os.path.join(os.environ["RML_RUN_DIR"], "model.pt"))
