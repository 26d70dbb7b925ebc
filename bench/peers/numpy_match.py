#!/usr/bin/python3
"""The `fit` profile of SPEC-matching.md in NumPy: the bench peer of `jobmesh bench match`.

Reads the same NDJSON files, normalises words as the spec says, and finds every candidate's
exhaustive top-k postings. Vectorised the way a NumPy user would: skills as 0/1 matrices and
intersections by matrix product, every other factor by broadcasting, blocks of candidates at a
time, top-k by argpartition with the spec's tie rule (key = round(score * 1e6), then posting
id). The candidates are split over worker processes (one per core), each with one BLAS thread.
Prints a JSON summary on stdout; writes the lists to --out, one line per candidate.
"""
import argparse
import json
import os
import sys
import time

SYNONYMS = {"js": "javascript", "ts": "typescript", "k8s": "kubernetes", "postgres": "postgresql",
            "golang": "go", "ml": "machine learning"}
LEVELS = {"entry": 0, "junior": 1, "mid": 2, "senior": 3, "lead": 4}
WEIGHTS = (0.30, 0.30, 0.20, 0.10, 0.10)  # category, skills, experience, seniority, salary


def word(s):
    return " ".join(s.lower().split())


def term(s):
    w = word(s)
    return SYNONYMS.get(w, w)


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def prepare(postings, candidates, np):
    vocab, cats = {}, {"": 0}
    for p in postings:
        cats.setdefault(word(p.get("category", "")), len(cats))
    p_skills = [sorted({term(s) for s in p.get("required_skills", [])} - {""}) for p in postings]
    c_skills = [sorted({term(s) for s in c.get("skills", [])} - {""}) for c in candidates]
    for skills in p_skills + c_skills:
        for s in skills:
            vocab.setdefault(s, len(vocab))
    P = np.zeros((len(postings), max(1, len(vocab))), dtype=np.float32)
    for i, skills in enumerate(p_skills):
        P[i, [vocab[s] for s in skills]] = 1
    C = np.zeros((len(candidates), P.shape[1]), dtype=np.float32)
    for i, skills in enumerate(c_skills):
        C[i, [vocab[s] for s in skills]] = 1
    pref = np.zeros((len(candidates), len(cats)), dtype=np.float64)
    for i, c in enumerate(candidates):
        for cat in {word(x) for x in c.get("preferred_categories", [])}:
            if cat in cats and cat != "":
                pref[i, cats[cat]] = 1.0
    ids = [p["id"] for p in postings]
    id_rank = np.empty(len(ids), dtype=np.int64)
    id_rank[np.array(sorted(range(len(ids)), key=lambda i: ids[i].encode()))] = np.arange(len(ids))
    return {
        "P": P, "C": C, "pref": pref, "ids": ids, "id_rank": id_rank,
        "c_ids": [c["id"] for c in candidates],
        "p_cat": np.array([cats[word(p.get("category", ""))] for p in postings]),
        "p_n": P.sum(axis=1, dtype=np.float64), "c_n": C.sum(axis=1, dtype=np.float64),
        "min_years": np.array([float(p.get("min_years", 0)) for p in postings]),
        "p_level": np.array([float(LEVELS[p.get("experience_level", "mid")]) for p in postings]),
        "salary_max": np.array([float(p.get("salary_max", 0)) for p in postings]),
        "years": np.array([float(c.get("years_experience", 0)) for c in candidates]),
        "c_level": np.array([float(LEVELS[c.get("experience_level", "mid")]) for c in candidates]),
        "expected": np.array([float(c.get("expected_salary", 0)) for c in candidates]),
    }


def scores(d, lo, hi, np):
    """The fit score of candidates [lo, hi) against every posting, in the same order of
    operations as the engine's `combine` (so equal inputs give equal doubles)."""
    cat = d["pref"][lo:hi][:, d["p_cat"]]
    cat[:, d["p_cat"] == 0] = 0.0
    inter = (d["C"][lo:hi] @ d["P"].T).astype(np.float64)
    union = d["c_n"][lo:hi, None] + d["p_n"][None, :] - inter
    skills = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    my = d["min_years"][None, :]
    years = np.broadcast_to(d["years"][lo:hi, None], inter.shape)
    experience = np.minimum(1.0, np.divide(years, my, out=np.ones_like(inter), where=my > 0))
    experience[:, d["min_years"] == 0] = 1.0
    seniority = 1.0 - np.abs(d["c_level"][lo:hi, None] - d["p_level"][None, :]) / 4.0
    smax = d["salary_max"][None, :]
    exp = d["expected"][lo:hi, None]
    over = np.maximum(0.0, 1.0 - np.divide(exp - smax, smax, out=np.zeros_like(inter), where=smax > 0))
    salary = np.where((smax == 0) | (exp <= smax), 1.0, over)
    total = WEIGHTS[0] * cat
    total += WEIGHTS[1] * skills
    total += WEIGHTS[2] * experience
    total += WEIGHTS[3] * seniority
    total += WEIGHTS[4] * salary
    return 100.0 * total


def top_k(d, score, k, np):
    keys = np.floor(score * 1e6 + 0.5).astype(np.int64)
    k = min(k, keys.shape[1])
    kth = -np.partition(-keys, k - 1, axis=1)[:, k - 1]
    out = []
    for row in range(keys.shape[0]):
        cand = np.nonzero(keys[row] >= kth[row])[0]  # every tie at the k-th key, then exact order
        order = np.lexsort((d["id_rank"][cand], -keys[row, cand]))[:k]
        chosen = cand[order]
        out.append(([d["ids"][i] for i in chosen], [float(score[row, i]) for i in chosen]))
    return out


def work(args):
    path_p, path_c, lo, hi, k, block = args
    import numpy as np
    d = prepare(load(path_p), load(path_c), np)
    started = time.perf_counter()
    lists = []
    for b in range(lo, hi, block):
        e = min(hi, b + block)
        lists.extend(top_k(d, scores(d, b, e, np), k, np))
    return lo, lists, time.perf_counter() - started, d["c_ids"][lo:hi]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--postings", required=True)
    ap.add_argument("--candidates", required=True)
    ap.add_argument("--top-k", type=int, default=10)
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--block", type=int, default=256)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"  # one BLAS thread per worker process: the processes use the cores
    import multiprocessing
    import numpy as np
    n = sum(1 for line in open(a.candidates, encoding="utf-8") if line.strip())
    p_count = sum(1 for line in open(a.postings, encoding="utf-8") if line.strip())
    step = (n + a.workers - 1) // a.workers
    tasks = [(a.postings, a.candidates, lo, min(n, lo + step), a.top_k, a.block) for lo in range(0, n, step)]
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(len(tasks)) as pool:
        parts = sorted(pool.map(work, tasks), key=lambda t: t[0])
    wall = time.perf_counter() - started
    compute = max(t[2] for t in parts)  # workers score in parallel: the slowest one is the time
    with open(a.out, "w", encoding="utf-8") as f:
        for _, lists, _, ids in parts:
            for cid, (ids_, scores_) in zip(ids, lists):
                f.write(json.dumps({"source": cid, "results": ids_, "scores": scores_}) + "\n")
    print(json.dumps({"peer": "numpy", "numpy_version": np.__version__, "python_version": sys.version.split()[0],
                      "workers": len(tasks), "block": a.block, "pairs": n * p_count,
                      "compute_s": compute, "wall_s": wall}))


if __name__ == "__main__":
    main()
