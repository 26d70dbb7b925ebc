#!/usr/bin/python3
"""The `fit` profile of SPEC-matching.md in NumPy: the peer of `jobmesh bench match`.

Reads the same NDJSON files, normalises words as the spec says, and finds every candidate's
exhaustive top-k postings, vectorised the way a NumPy user would: skills as 0/1 float32 rows
whose matrix product counts the common skills (exact for small integers), every other factor
by broadcasting over a block of candidates x all postings in float64, in preallocated buffers;
seniority and category as row lookups; the k-th best per row by np.partition, then the spec's
tie rule (key = llround(score * 1e6), key descending, posting id ascending) on every posting
that can reach the k-th key. Candidates are split over worker processes, one per core, each
with one BLAS thread (NumPy's element-wise loops use one core per process).

Loading and indexing are timed apart from scoring. Prints a JSON summary on stdout; writes one
line per candidate to --out: {"source": id, "results": [posting ids], "scores": [scores]}.
Run it with Debian's interpreter (/usr/bin/python3) and python3-numpy.
"""
import argparse
import json
import os
import sys
import time

SYNONYMS = {"js": "javascript", "ts": "typescript", "k8s": "kubernetes", "postgres": "postgresql",
            "golang": "go", "ml": "machine learning"}
LEVELS = {"entry": 0, "junior": 1, "mid": 2, "senior": 3, "lead": 4}
W_CATEGORY, W_SKILLS, W_EXPERIENCE, W_SENIORITY, W_SALARY = 0.30, 0.30, 0.20, 0.10, 0.10
NO_SALARY_MAX = 1e300  # stands for salary_max 0: (e - s) / s is then -1, so the factor clips to 1

np = None  # imported in main() once the BLAS thread count is set
DATA = None  # set in the parent before the workers fork, so they share it copy-on-write


def word(s):
    return " ".join(s.lower().split())


def term(s):
    w = word(s)
    return SYNONYMS.get(w, w)


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def skill_matrix(lists, vocab):
    m = np.zeros((len(lists), max(1, len(vocab))), dtype=np.float32)
    for i, skills in enumerate(lists):
        m[i, [vocab[s] for s in skills]] = 1.0
    return m


def numbers(records, field, default, fn=float):
    return np.array([fn(r.get(field, default)) for r in records], dtype=np.float64)


def prepare(postings, candidates):
    """Everything that does not depend on the pair: the peer's load step."""
    cats = {"": 0}
    p_cat = np.array([cats.setdefault(word(p.get("category", "")), len(cats)) for p in postings], dtype=np.intp)
    p_skills = [{term(s) for s in p.get("required_skills", [])} - {""} for p in postings]
    c_skills = [{term(s) for s in c.get("skills", [])} - {""} for c in candidates]
    vocab = {}
    for skills in p_skills + c_skills:
        for s in skills:
            vocab.setdefault(s, len(vocab))
    # Category weight per (candidate, category); column 0 is the empty category, never a match.
    pref = np.zeros((len(candidates), len(cats)), dtype=np.float64)
    for i, c in enumerate(candidates):
        for cat in {word(x) for x in c.get("preferred_categories", [])}:
            if cat in cats and cat != "":
                pref[i, cats[cat]] = W_CATEGORY * 1.0
    p_level = np.array([LEVELS[p.get("experience_level", "mid")] for p in postings], dtype=np.float64)
    seniority = np.array([W_SENIORITY * (1.0 - np.abs(level - p_level) / 4.0) for level in range(5)])
    min_years = numbers(postings, "min_years", 0)
    salary_max = numbers(postings, "salary_max", 0)
    expected = numbers(candidates, "expected_salary", 0)
    assert expected.max(initial=0) < 1e200, "expected salaries this large break the NO_SALARY_MAX stand-in"
    ids = [p["id"] for p in postings]
    id_rank = np.empty(len(ids), dtype=np.int64)
    id_rank[sorted(range(len(ids)), key=lambda i: ids[i].encode())] = np.arange(len(ids))
    P = skill_matrix(p_skills, vocab)
    return {
        "C": skill_matrix(c_skills, vocab), "PT": np.ascontiguousarray(P.T), "pref": pref, "p_cat": p_cat,
        "p_n": P.sum(axis=1, dtype=np.float64), "c_n": np.array([len(s) for s in c_skills], dtype=np.float64),
        "min_years": np.where(min_years == 0, 1.0, min_years), "no_min_years": np.flatnonzero(min_years == 0),
        "salary_max": np.where(salary_max == 0, NO_SALARY_MAX, salary_max), "expected": expected,
        "years": numbers(candidates, "years_experience", 0),
        "c_level": np.array([LEVELS[c.get("experience_level", "mid")] for c in candidates], dtype=np.intp),
        "seniority": seniority, "empty_skills": not (P.any(axis=1).all() and all(c_skills)),
        "ids": ids, "id_rank": id_rank, "c_ids": [c["id"] for c in candidates],
    }


def score_block(d, lo, hi, buf):
    """Fills buf["total"][:hi-lo] with sum(weight * factor) in the engine's order (category,
    skills, experience, seniority, salary), each factor with the spec's own arithmetic."""
    n = hi - lo
    inter, total, tmp, union = (buf[k][:n] for k in ("inter", "total", "tmp", "union"))
    np.matmul(d["C"][lo:hi], d["PT"], out=inter)
    # mode="clip": with the default mode, take buffers `out` (NumPy's documentation says so).
    np.take(d["pref"][lo:hi], d["p_cat"], axis=1, out=total, mode="clip")
    np.copyto(tmp, inter)
    np.add(d["c_n"][lo:hi, None], d["p_n"][None, :], out=union)
    union -= tmp
    if d["empty_skills"]:
        np.maximum(union, 1.0, out=union)  # both lists empty: 0 / 1 = 0, as the spec says
    tmp /= union
    tmp *= W_SKILLS
    total += tmp
    np.divide(d["years"][lo:hi, None], d["min_years"][None, :], out=tmp)
    np.minimum(tmp, 1.0, out=tmp)
    tmp[:, d["no_min_years"]] = 1.0
    tmp *= W_EXPERIENCE
    total += tmp
    np.take(d["seniority"], d["c_level"][lo:hi], axis=0, out=tmp, mode="clip")
    total += tmp
    np.subtract(d["expected"][lo:hi, None], d["salary_max"][None, :], out=tmp)
    tmp /= d["salary_max"][None, :]
    np.subtract(1.0, tmp, out=tmp)
    np.minimum(tmp, 1.0, out=tmp)  # two passes cost less than np.clip's one
    np.maximum(tmp, 0.0, out=tmp)
    tmp *= W_SALARY
    total += tmp
    return total


def llround(x):
    """std::llround for x >= 0, exactly (floor(x + 0.5) can round up across .5 - 1 ulp)."""
    r = np.floor(x)
    return (r + (x - r >= 0.5)).astype(np.int64)


def kth_lower_bound(total, k, group):
    """Per row, a value <= its k-th largest: the k-th largest of the maxima of column groups
    (k groups reach it, so k elements do). Partitioning the maxima costs far less than the row."""
    n, count = total.shape
    whole = count // group * group
    maxima = [total[:, :whole].reshape(n, -1, group).max(axis=2)] if whole else []
    if whole < count:
        maxima.append(total[:, whole:].max(axis=1, keepdims=True))
    maxima = np.concatenate(maxima, axis=1) if len(maxima) > 1 else maxima[0]
    if maxima.shape[1] < k:
        maxima = total
    return np.partition(maxima, maxima.shape[1] - k, axis=1)[:, maxima.shape[1] - k]


def top_k_block(d, total, k, group=64):
    """(posting indices, scores), each n x k, ranked per the spec."""
    n = total.shape[0]
    # A posting whose key can reach the k-th key scores within 1e-6 of it (1e-8 before x100).
    rows, cols = np.nonzero(total >= (kth_lower_bound(total, k, group) - 2e-8)[:, None])
    score = 100.0 * total[rows, cols]
    keys = llround(score * 1e6)
    order = np.lexsort((d["id_rank"][cols], -keys, rows))
    rows, cols, score = rows[order], cols[order], score[order]
    first = np.searchsorted(rows, np.arange(n))
    keep = np.arange(len(rows)) - first[rows] < k
    return cols[keep].reshape(n, k), score[keep].reshape(n, k)


def work(task):
    lo, hi, k, block = task
    d = DATA
    count = d["PT"].shape[1]
    buf = {name: np.empty((block, count), dtype=np.float32 if name == "inter" else np.float64)
           for name in ("inter", "total", "tmp", "union")}
    wall0, cpu0 = time.perf_counter(), time.process_time()
    picks, scores = [], []
    for b in range(lo, hi, block):
        e = min(hi, b + block)
        p, s = top_k_block(d, score_block(d, b, e, buf), k)
        picks.append(p)
        scores.append(s)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return lo, np.concatenate(picks), np.concatenate(scores), wall, cpu


def run(d, workers, k, block):
    global DATA
    DATA = d
    n = len(d["c_ids"])
    step = -(-n // workers)
    tasks = [(lo, min(n, lo + step), k, block) for lo in range(0, n, step)]
    if len(tasks) == 1:
        return [work(tasks[0])]
    import multiprocessing
    with multiprocessing.get_context("fork").Pool(len(tasks)) as pool:
        return sorted(pool.map(work, tasks), key=lambda t: t[0])


def write_lists(path, d, parts):
    with open(path, "w", encoding="utf-8") as f:
        for lo, picks, scores, _, _ in parts:
            for row in range(len(picks)):
                f.write(json.dumps({"source": d["c_ids"][lo + row], "results": [d["ids"][j] for j in picks[row]],
                                    "scores": scores[row].tolist()}) + "\n")


def blas_library():
    """The BLAS NumPy loaded (Debian switches it with update-alternatives), from our own maps."""
    with open("/proc/self/maps", encoding="utf-8") as maps:
        names = {line.split()[-1].rsplit("/", 1)[-1] for line in maps if "blas" in line.lower()}
    best = sorted(n for n in names if any(x in n for x in ("openblas", "blis", "mkl", "atlas")))
    return ", ".join(best or sorted(names)) or "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--postings", required=True)
    ap.add_argument("--candidates", required=True)
    ap.add_argument("--top-k", type=int, default=10)
    ap.add_argument("--workers", type=int, default=os.cpu_count(), help="processes (default: cores)")
    ap.add_argument("--blas-threads", type=int, help="per process (default: cores / workers)")
    ap.add_argument("--block", type=int, default=64, help="candidates per block (64 was fastest here)")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    blas_threads = a.blas_threads or max(1, (os.cpu_count() or 1) // a.workers)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(blas_threads)
    global np
    import numpy
    np = numpy
    started = time.perf_counter()
    postings, candidates = load(a.postings), load(a.candidates)
    d = prepare(postings, candidates)
    load_s = time.perf_counter() - started
    k = min(a.top_k, len(postings))
    parts = run(d, max(1, a.workers), k, a.block) if k > 0 and candidates else []
    write_lists(a.out, d, parts)
    compute = max((p[3] for p in parts), default=0.0)  # workers run side by side: the slowest one
    print(json.dumps({
        "peer": "numpy", "numpy_version": np.__version__, "python_version": sys.version.split()[0],
        "blas": blas_library(), "workers": len(parts), "blas_threads": blas_threads, "block": a.block,
        "dtype": "float32 skill counts, float64 scores", "pairs": len(postings) * len(candidates),
        "load_s": load_s, "compute_s": compute, "compute_cpu_s": sum(p[4] for p in parts)}))


if __name__ == "__main__":
    main()
