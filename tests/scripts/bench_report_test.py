#!/usr/bin/python3
"""scripts/bench-report.py on fixtures written into a temporary folder: the rendered section,
that only the text between the markers changes, --check's exit codes, a broken results file,
missing markers, a missing gnuplot and the sweep plot (skipped when gnuplot is not installed)."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "bench-report.py"
HAVE_GNUPLOT = shutil.which("gnuplot") is not None

MACHINE = {"cores": 2, "cpu": "AMD EPYC", "load_average_before": "2.03 2.19 1.87",
           "fresh_memory_gb_per_s": 0.71,
           "pauses": {"core_seconds_watched": 4.0, "over_1ms_per_s": 2.25, "over_2ms_per_s": 1.0,
                      "over_5ms_per_s": 0.0, "longest_ms": 4.04, "lost_percent": 0.41},
           "jobmesh_version": "0.1.0", "compiler": "g++ 12.2.0"}
JOBS = {
    "suite": "jobs", "machine": MACHINE, "cpu_saturated": False,
    "report": {
        "title": "jobs: 200,000 no-op jobs submitted in bulk and run to completed",
        "command": "scripts/bench.sh jobs",
        "columns": ["system", "jobs/s", "adds/s", "add+run s", "idle p50/p99 ms"],
        "rows": [["jobmesh", "22,781", "23,178", "8.78", "1.0 / 2.0"],
                 ["graphile-worker 0.17.3", "30,689", "98,644", "8.54", "4.2 / 11.3"]],
        "verdict": "0.74x graphile-worker's jobs/s (target >= 5x): **not met**",
        "notes": ["jobmesh's jobs/s includes its adds", "a peer's is its run phase only"],
    },
}
# Added to jobs.json by the tests of the plot only, so that the others need no gnuplot.
SWEEP = {"x": "concurrency", "y": "jobs/s",
         "series": {"jobmesh": [[1, 900.0], [8, 5000.0], [50, 22000.0]],
                    "graphile-worker": [[1, 800.0], [50, 30000.0]]}}
MATCH = {  # no cpu_saturated: only false adds the line about the cores
    "suite": "match", "machine": MACHINE,
    "report": {"title": "match: fit profile, 20k x 20k", "command": "scripts/bench.sh match",
               "columns": ["side", "pairs/s"], "rows": [["jobmesh", "2,183.9 M"], ["NumPy", "100.1 M"]],
               "verdict": "21.8x NumPy (target >= 100x): not met"},
}
HTTP = {
    "suite": "http", "machine": MACHINE, "cpu_saturated": True,
    "report": {"title": "http: requests", "command": "scripts/bench.sh http", "columns": ["a"],
               "rows": [["1"]], "verdict": "met", "notes": []},
}
# Another suite, listed after the known ones; without `report` it must be reported as missing.
ZETA_WITHOUT_REPORT = {"suite": "zeta", "machine": MACHINE, "jobs": 10}

BEFORE = "# Project\n\nIntro | with a pipe.\n\n## Performance\n\n"
AFTER = "\n## After\n\nTail text.\n"
README = BEFORE + "<!-- bench-report:begin -->\nold section\n<!-- bench-report:end -->" + AFTER


class BenchReportTest(unittest.TestCase):
    def setUp(self):
        self.dir = Path(tempfile.mkdtemp(prefix="bench-report-test."))
        self.addCleanup(shutil.rmtree, self.dir)
        self.results = self.dir / "bench" / "results"
        self.results.mkdir(parents=True)
        for name, data in [("jobs", JOBS), ("match", MATCH), ("http", HTTP),
                           ("zeta", ZETA_WITHOUT_REPORT)]:
            (self.results / f"{name}.json").write_text(json.dumps(data), encoding="utf-8")
        (self.results / "ws.json").write_text('{"suite": "ws", "report": ', encoding="utf-8")
        self.readme = self.dir / "README.md"
        self.readme.write_text(README, encoding="utf-8")
        self.plots = self.dir / "bench" / "plots"

    def add_sweep(self):
        (self.results / "jobs.json").write_text(json.dumps(dict(JOBS, sweep=SWEEP)), encoding="utf-8")

    def run_report(self, *extra, env=None):
        command = [sys.executable, str(SCRIPT), "--results", str(self.results),
                   "--readme", str(self.readme), "--plots", str(self.plots), *extra]
        return subprocess.run(command, capture_output=True, text=True, env=env, cwd=self.dir)

    def write(self):
        result = self.run_report()
        self.assertEqual(result.returncode, 0, result.stderr)
        return self.readme.read_text(encoding="utf-8")

    def test_section_has_each_suite_in_order_with_its_table(self):
        text = self.write()
        headings = [line for line in text.splitlines() if line.startswith("### ")]
        self.assertEqual(headings, ["### match", "### jobs", "### http", "### ws", "### zeta"])
        table = ("| system | jobs/s | adds/s | add+run s | idle p50/p99 ms |\n"
                 "|---|---|---|---|---|\n"
                 "| jobmesh | 22,781 | 23,178 | 8.78 | 1.0 / 2.0 |\n"
                 "| graphile-worker 0.17.3 | 30,689 | 98,644 | 8.54 | 4.2 / 11.3 |\n")
        self.assertIn("### jobs\n\njobs: 200,000 no-op jobs submitted in bulk and run to completed\n\n"
                      + table, text)
        self.assertIn("\nResult: 0.74x graphile-worker's jobs/s (target >= 5x): not met\n", text)
        self.assertIn("\n- jobmesh's jobs/s includes its adds\n- a peer's is its run phase only\n", text)
        self.assertIn("\nMachine: 2 cores, AMD EPYC, load before 2.03 2.19 1.87, fresh memory 0.71 GB/s, "
                      "idle cores paused >= 1 ms 2.25/s each (longest 4.04 ms), jobmesh 0.1.0, g++ 12.2.0\n", text)
        self.assertIn("\nReproduce: `scripts/bench.sh jobs`\n", text)
        not_saturated = ("The cores were less than 90% busy during this run (server and load generator "
                         "together): either the workload leaves them idle (see the notes) or another process "
                         "took CPU; if the latter, re-run on a quiet machine.")
        self.assertEqual(text.count(not_saturated), 1)  # jobs only, not match (absent) nor http (true)
        self.assertIn("Reproduce: `scripts/bench.sh jobs`\n\n" + not_saturated, text)

    def test_only_the_text_between_the_markers_changes(self):
        text = self.write()
        self.assertTrue(text.startswith(BEFORE + "<!-- bench-report:begin -->\n"))
        self.assertTrue(text.endswith("\n<!-- bench-report:end -->" + AFTER))
        self.assertNotIn("old section", text)
        self.assertEqual(sorted(p.name for p in self.dir.iterdir()), ["README.md", "bench"])

    def test_check_passes_after_a_write_and_fails_on_a_stale_section(self):
        before_write = self.run_report("--check")
        self.assertEqual(before_write.returncode, 1)
        self.assertIn("-old section", before_write.stdout)
        self.assertEqual(self.readme.read_text(encoding="utf-8"), README)  # --check writes nothing
        self.assertFalse(self.plots.exists())

        written = self.write()
        self.assertEqual(self.run_report("--check").returncode, 0)
        self.assertEqual(self.write(), written)  # a second run writes the same bytes

        self.readme.write_text(written.replace("| jobmesh | 22,781", "| jobmesh | 99,999"),
                               encoding="utf-8")
        stale = self.run_report("--check")
        self.assertEqual(stale.returncode, 1)
        self.assertIn("-| jobmesh | 99,999", stale.stdout)
        self.assertIn("+| jobmesh | 22,781", stale.stdout)

    def test_a_broken_or_reportless_file_is_listed_with_a_warning(self):
        text = self.write()
        self.assertIn("\nws: no report in bench/results/ws.json (re-run `jobmesh bench ws`)\n", text)
        self.assertIn("\nzeta: no report in bench/results/zeta.json (re-run `jobmesh bench zeta`)\n",
                      text)
        stderr = self.run_report().stderr
        self.assertIn("warning", stderr)
        self.assertIn("ws.json", stderr)
        self.assertIn("zeta.json", stderr)

    def test_missing_markers_are_an_error_and_nothing_is_written(self):
        self.readme.write_text("# Project\n\nNo markers.\n", encoding="utf-8")
        for args in [(), ("--check",)]:
            result = self.run_report(*args)
            self.assertEqual(result.returncode, 2)
            self.assertIn("<!-- bench-report:begin -->", result.stderr)
        self.assertEqual(self.readme.read_text(encoding="utf-8"), "# Project\n\nNo markers.\n")

    def test_a_sweep_without_gnuplot_is_an_error_naming_it(self):
        self.add_sweep()
        empty_bin = self.dir / "empty-bin"
        empty_bin.mkdir()
        env = dict(os.environ, PATH=str(empty_bin))
        result = self.run_report(env=env)
        self.assertEqual(result.returncode, 2)
        self.assertIn("gnuplot", result.stderr)
        self.assertEqual(self.readme.read_text(encoding="utf-8"), README)
        self.assertFalse(self.plots.exists())

    @unittest.skipUnless(HAVE_GNUPLOT, "gnuplot is not installed")
    def test_a_sweep_is_drawn_and_linked_the_same_every_time(self):
        self.add_sweep()
        text = self.write()
        self.assertIn("\n![jobs jobs/s against concurrency](bench/plots/jobs-concurrency.svg)\n", text)
        svg_path = self.plots / "jobs-concurrency.svg"
        svg = svg_path.read_bytes()
        self.assertIn(b"<svg", svg)
        for label in [b"jobmesh", b"graphile-worker", b"concurrency", b"jobs/s"]:
            self.assertIn(label, svg)
        self.assertEqual(sorted(p.name for p in self.plots.iterdir()), ["jobs-concurrency.svg"])
        self.assertEqual(self.run_report("--check").returncode, 0)
        svg_path.unlink()
        self.assertEqual(self.write(), text)
        self.assertEqual(svg_path.read_bytes(), svg)


if __name__ == "__main__":
    unittest.main()
