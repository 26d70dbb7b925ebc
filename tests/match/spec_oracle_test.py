#!/usr/bin/python3
"""`jobmesh match` against an oracle of SPEC-matching.md written from the spec's text alone.

The C++ reference scorer (match/reference.cpp) shares the kernel's records, normaliser and
factors, so a misreading of the spec in them is a misreading of both: it once lowered ASCII
letters only, and every test agreed. This oracle is plain Python over the records as the
spec writes them, and scores every pair. It runs on records `jobmesh generate` writes and on
records made to hit the spec's edges (case and white space beyond ASCII, synonyms, one salary
bound, coordinates at the poles, ties broken by ids), in both directions, with both
profiles, top_per_company and a filter; every id, order, score and factor must agree.

Where the spec leaves a choice, this follows what jobmesh documents: lower case is Unicode's
simple, per-character mapping (Python's str.lower applies the full mapping, which differs for
U+0130 and a final capital sigma); a skill or category that normalises to nothing is none.

Usage: spec_oracle_test.py JOBMESH_BINARY   (ctest passes it)
"""
import datetime
import json
import math
import os
import random
import re
import subprocess
import sys
import tempfile

SYNONYMS = {"js": "javascript", "ts": "typescript", "k8s": "kubernetes",
            "postgres": "postgresql", "golang": "go", "ml": "machine learning"}
LEVELS = {"entry": 0, "junior": 1, "mid": 2, "senior": 3, "lead": 4}
WORK_MODES = ("onsite", "hybrid", "remote")
EMPLOYMENT_TYPES = ("full_time", "part_time", "contract", "internship")
EDUCATION = ("none", "high_school", "bachelor", "master", "phd")
ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
EARTH_RADIUS_KM = 6371.0088
PROFILES = {
    "proximity": [("location", .35), ("industry", .25), ("activity", .15), ("rating", .15), ("track_record", .10)],
    "fit": [("category", .30), ("skills", .30), ("experience", .20), ("seniority", .10), ("salary", .10)],
}

# Unicode's White_Space property (PropList.txt).
WHITE_SPACE = re.compile("[\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
# Where the full lower case mapping is not the simple one (SpecialCasing.txt, unconditional).
SIMPLE_LOWER = {"\u0130": "i"}


def lower(text):
    return "".join(SIMPLE_LOWER.get(c) or c.lower() for c in text)


def norm(text):
    return WHITE_SPACE.sub(" ", lower(text)).strip(" ")


def term(text):
    n = norm(text)
    return SYNONYMS.get(n, n)


def terms(words):
    return {t for t in map(term, words) if t}


class Rejected(Exception):
    pass


def text_field(r, name, default=None, required=False, non_empty=False):
    if name not in r or r[name] is None:
        if required:
            raise Rejected(name)
        return default
    v = r[name]
    if not isinstance(v, str) or (non_empty and norm(v) == ""):
        raise Rejected(name)
    return v


def number_field(r, name, default, lo=None, hi=None, lo_open=False):
    v = r.get(name)
    if v is None:
        return default
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise Rejected(name)
    if (lo is not None and (v < lo or (lo_open and v == lo))) or (hi is not None and v > hi):
        raise Rejected(name)
    return float(v)


def count_field(r, name):
    v = r.get(name)
    if v is None:
        return 0
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise Rejected(name)
    return v


def list_field(r, name):
    v = r.get(name)
    if v is None:
        return []
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise Rejected(name)
    return v


def choice_field(r, name, allowed, default):
    v = text_field(r, name, default)
    if v is not None and v not in allowed:
        raise Rejected(name)
    return v


def place(r, out):
    out["country"] = norm(text_field(r, "country", ""))
    out["city"] = norm(text_field(r, "city", ""))
    if (r.get("lat") is None) != (r.get("lon") is None):
        raise Rejected("lat/lon")
    out["lat"] = number_field(r, "lat", None, -90, 90)
    out["lon"] = number_field(r, "lon", None, -180, 180)


def record_id(r):
    v = text_field(r, "id", required=True)
    if not ID.fullmatch(v):
        raise Rejected("id")
    return v


def posting(r):
    p = {"id": record_id(r), "company": norm(text_field(r, "company", required=True, non_empty=True))}
    text_field(r, "title", required=True)
    for name in ("category", "industry", "subcategory"):
        p[name] = norm(text_field(r, name, ""))
    place(r, p)
    p["work_mode"] = choice_field(r, "work_mode", WORK_MODES, "onsite")
    p["employment_type"] = choice_field(r, "employment_type", EMPLOYMENT_TYPES, "full_time")
    p["skills"] = terms(list_field(r, "required_skills"))
    terms(list_field(r, "certifications"))
    low, high = number_field(r, "salary_min", 0.0, 0), number_field(r, "salary_max", 0.0, 0)
    if low > 0 and high > 0 and low > high:  # the order rule holds only when both are stated
        raise Rejected("salary_min")
    p["salary_max"] = high
    p["level"] = LEVELS[choice_field(r, "experience_level", tuple(LEVELS), "mid")]
    p["min_years"] = number_field(r, "min_years", 0.0, 0)
    for name in ("posted_date", "deadline_date"):
        v = text_field(r, name)
        if v is None:
            continue
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
            raise Rejected(name)
        try:
            datetime.date.fromisoformat(v)  # a day of the calendar
        except ValueError:
            raise Rejected(name)
    return p


def candidate(r):
    c = {"id": record_id(r)}
    text_field(r, "full_name", "")
    place(r, c)
    c["max_distance_km"] = number_field(r, "max_distance_km", 50.0, 0, lo_open=True)
    c["industry"] = norm(text_field(r, "industry", ""))
    c["subcategory"] = norm(text_field(r, "subcategory", ""))
    c["categories"] = {w for w in map(norm, list_field(r, "preferred_categories")) if w}
    c["skills"] = terms(list_field(r, "skills"))
    terms(list_field(r, "certifications"))
    c["years"] = number_field(r, "years_experience", 0.0, 0)
    c["level"] = LEVELS[choice_field(r, "experience_level", tuple(LEVELS), "mid")]
    choice_field(r, "education_level", EDUCATION, None)
    c["expected_salary"] = number_field(r, "expected_salary", 0.0, 0)
    number_field(r, "current_salary", 0.0, 0)
    c["rating"] = number_field(r, "rating", 0.0, 0, 5)
    c["review_count"] = count_field(r, "review_count")
    c["completed_jobs"] = count_field(r, "completed_jobs")
    c["engagement"] = number_field(r, "engagement", 0.0, 0, 1)
    return c


def read(path, parse):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                try:
                    out.append(parse(json.loads(line)))
                except Rejected:
                    pass
    return out


def distance_km(a_lat, a_lon, b_lat, b_lon):
    p1, p2 = math.radians(a_lat), math.radians(b_lat)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b_lon - a_lon) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def factor(name, p, c):
    if name == "location":
        if p["work_mode"] == "remote":
            return 1.0
        if p["lat"] is not None and c["lat"] is not None:
            return max(0.0, 1 - distance_km(c["lat"], c["lon"], p["lat"], p["lon"]) / c["max_distance_km"])
        if p["country"] and p["country"] == c["country"]:
            return 1.0 if p["city"] and p["city"] == c["city"] else 0.5
        return 0.0
    if name == "industry":
        if not p["industry"] or p["industry"] != c["industry"]:
            return 0.0
        return 1.0 if p["subcategory"] == c["subcategory"] else 0.5
    if name == "activity":
        return c["engagement"]
    if name == "rating":
        return 0.5 if c["review_count"] == 0 else c["rating"] / 5
    if name == "track_record":
        return min(c["completed_jobs"], 20) / 20
    if name == "category":
        return 1.0 if p["category"] and p["category"] in c["categories"] else 0.0
    if name == "skills":
        union = len(c["skills"] | p["skills"])
        return len(c["skills"] & p["skills"]) / union if union else 0.0
    if name == "experience":
        return 1.0 if p["min_years"] == 0 else min(1.0, c["years"] / p["min_years"])
    if name == "seniority":
        return 1 - abs(c["level"] - p["level"]) / 4
    if name == "salary":
        if p["salary_max"] == 0 or c["expected_salary"] <= p["salary_max"]:
            return 1.0
        return max(0.0, 1 - (c["expected_salary"] - p["salary_max"]) / p["salary_max"])
    raise ValueError(name)


def key_of(score):
    return math.floor(score * 1e6 + 0.5)  # llround: scores are never negative


def oracle(postings, candidates, direction, profile, top_k, min_score, top_per_company=False, country=None):
    if country is not None:
        postings = [p for p in postings if p["country"] == norm(country)]
    sources, targets = (candidates, postings) if direction == "candidate" else (postings, candidates)
    out = []
    for s in sources:
        ranked = []
        for t in targets:
            p, c = (t, s) if direction == "candidate" else (s, t)
            factors = {name: factor(name, p, c) for name, _ in PROFILES[profile]}
            score = 0.0
            for name, weight in PROFILES[profile]:
                score += weight * factors[name]
            score *= 100
            if key_of(score) >= key_of(min_score):
                ranked.append((-key_of(score), t["id"].encode(), t["id"], score, factors, t.get("company")))
        ranked.sort(key=lambda r: (r[0], r[1]))
        if top_per_company:
            seen, kept = set(), []
            for r in ranked:
                if r[5] not in seen:
                    seen.add(r[5])
                    kept.append(r)
            ranked = kept
        out.append({"source": s["id"], "results": [{"id": r[2], "score": r[3], "factors": r[4]} for r in ranked[:top_k]]})
    return out


def edge_records(seed, postings, candidates, folder):
    """Valid records made to hit the spec's edges."""
    rnd = random.Random(seed)
    skills = ["python", "javascript", "js", "JS", "k8s", "Kubernetes", "go", "golang", "Golang ", "ml", "machine learning",
              "Machine  Learning", " sql ", "SQL", "postgres", "PostgreSQL", "rust", "c++", "a b", "A\tB", "",
              "Ärzte", "ärzte", "ÄRZTE", "naïve\u00a0bayes", "naïve bayes", "ΣΟΦΙΑ", "σοφια", "Café", "İstanbul", "istanbul"]
    categories = ["Data Engineering", " DATA  ENGINEERING", "Backend", "Über Uns", "über\u3000uns", ""]
    industries = ["Tech", "TECH ", "Énergie", "énergie", ""]
    countries = ["Germany", "GERMANY ", "Österreich", "österreich", ""]
    cities = ["Berlin", "Wien", "WIEN", ""]
    companies = ["Acme", " ACME", "Acme  Corp", "École", "ÉCOLE", "Globex"]

    def pick(words, most):  # repeats allowed: a list is a set
        return [rnd.choice(words) for _ in range(rnd.randint(0, most))]

    def rid(prefix, i):
        return prefix + "".join(rnd.choice("AZaz09_.:-") for _ in range(rnd.randint(0, 3))) + str(i)

    def locate(r):
        if rnd.random() < 0.8:
            r["country"] = rnd.choice(countries)
        if rnd.random() < 0.8:
            r["city"] = rnd.choice(cities)
        if rnd.random() < 0.6:
            r["lat"], r["lon"] = round(rnd.uniform(47, 54), rnd.choice([0, 3, 6])), round(rnd.uniform(6, 16), 3)
            if rnd.random() < 0.05:
                r["lat"], r["lon"] = rnd.choice([(90, 180), (-90, -180), (0, 0)])

    records = {"postings": {}, "candidates": {}}
    for i in range(postings):
        r = {"id": rid("p", i), "company": rnd.choice(companies), "title": "t", "category": rnd.choice(categories),
             "industry": rnd.choice(industries), "subcategory": rnd.choice(["AI", "ai", ""]),
             "work_mode": rnd.choice(WORK_MODES), "required_skills": pick(skills, 6),
             "experience_level": rnd.choice(list(LEVELS)), "min_years": rnd.choice([0, 1, 2.5, 5, 10])}
        locate(r)
        bound = rnd.random()
        low = rnd.choice([0, 30000, 50000, 33333.3])
        if bound < 0.25:
            r["salary_min"] = low
        elif bound < 0.5:
            r["salary_max"] = low + rnd.choice([1, 20000])
        elif bound < 0.8:
            r["salary_min"], r["salary_max"] = low, low + rnd.choice([0, 20000.5])
        if rnd.random() < 0.2:
            r["zz_unknown"] = {"kept": [1, None]}
        records["postings"][r["id"]] = r
    for i in range(candidates):
        r = {"id": rid("c", i), "max_distance_km": rnd.choice([0.5, 25, 50, 300, 1e6]), "industry": rnd.choice(industries),
             "subcategory": rnd.choice(["AI", "ai", ""]), "preferred_categories": pick(categories, 3),
             "skills": pick(skills, 8), "years_experience": rnd.choice([0, 0.5, 2, 4.5, 20]),
             "experience_level": rnd.choice(list(LEVELS)), "expected_salary": rnd.choice([0, 30000, 50000, 80001, 250000]),
             "rating": rnd.choice([0, 2.5, 5]), "review_count": rnd.choice([0, 1, 100]),
             "completed_jobs": rnd.choice([0, 19, 20, 21]), "engagement": rnd.choice([0, 0.333, 1])}
        locate(r)
        records["candidates"][r["id"]] = r
    for kind, by_id in records.items():
        with open(os.path.join(folder, kind + ".ndjson"), "w", encoding="utf-8") as f:
            for r in by_id.values():
                f.write(json.dumps(r, ensure_ascii=False) + "\n")


def differences(engine, expected):
    found = []
    if [s["source"] for s in engine] != [s["source"] for s in expected]:
        return ["the sources differ: %d from jobmesh, %d from the oracle" % (len(engine), len(expected))]
    for got, want in zip(engine, expected):
        if [r["id"] for r in got["results"]] != [r["id"] for r in want["results"]]:
            found.append("source %s: jobmesh %s, oracle %s" % (got["source"],
                         [(r["id"], r["score"]) for r in got["results"]][:6], [(r["id"], r["score"]) for r in want["results"]][:6]))
            continue
        for a, b in zip(got["results"], want["results"]):
            if abs(a["score"] - b["score"]) > 1e-6 or a["factors"].keys() != b["factors"].keys() or any(
                    abs(a["factors"][k] - b["factors"][k]) > 1e-9 for k in b["factors"]):
                found.append("source %s, target %s: jobmesh %s %s, oracle %s %s" % (
                    got["source"], a["id"], a["score"], a["factors"], b["score"], b["factors"]))
    return found


def main(binary):
    failures = 0
    with tempfile.TemporaryDirectory() as work:
        generated, edges = os.path.join(work, "generated"), os.path.join(work, "edges")
        subprocess.run([binary, "generate", "--postings", "300", "--candidates", "200", "--seed", "7", "--out", generated],
                       check=True, stdout=subprocess.DEVNULL)
        os.makedirs(edges)
        edge_records(21, 300, 200, edges)
        for folder in (generated, edges):
            postings = read(os.path.join(folder, "postings.ndjson"), posting)
            candidates = read(os.path.join(folder, "candidates.ndjson"), candidate)
            # The filter names a country the postings have, in capitals (the edges' written otherwise).
            country = "ÖSTERREICH"
            if folder == generated:
                with open(os.path.join(folder, "postings.ndjson"), encoding="utf-8") as f:
                    country = next(r["country"] for r in map(json.loads, f) if r.get("country", "").strip()).upper()
            runs = [(d, p, 20, 0, False, None) for d in ("candidate", "posting") for p in ("fit", "proximity")]
            runs += [("candidate", "fit", 5, 40, True, None), ("candidate", "proximity", 10, 0, False, country)]
            for direction, profile, top_k, min_score, per_company, country in runs:
                out = os.path.join(work, "out.ndjson")
                cmd = [binary, "match", "--postings", os.path.join(folder, "postings.ndjson"),
                       "--candidates", os.path.join(folder, "candidates.ndjson"), "--direction", direction,
                       "--profile", profile, "--top-k", str(top_k), "--min-score", str(min_score), "--out", out]
                cmd += ["--top-per-company"] if per_company else []
                cmd += ["--country", country] if country else []
                subprocess.run(cmd, check=True, stderr=subprocess.DEVNULL)
                with open(out, encoding="utf-8") as f:
                    engine = [json.loads(line) for line in f]
                want = oracle(postings, candidates, direction, profile, top_k, min_score, per_company, country)
                found = differences(engine, want)
                results = sum(len(s["results"]) for s in want)
                what = "%s: %s %s top_k %d min_score %d%s%s" % (os.path.basename(folder), direction, profile, top_k, min_score,
                                                                " top_per_company" if per_company else "",
                                                                " country " + country if country else "")
                print("%s: %d sources, %d results, %d differences" % (what, len(want), results, len(found)))
                for line in found[:5]:
                    print("  " + line)
                if results == 0:
                    print("  nothing compared: the run proves nothing")
                    failures += 1
                failures += len(found)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
