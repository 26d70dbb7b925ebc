#!/usr/bin/python3
"""Turns the bench results (bench/results/<suite>.json) into the README's performance section.

    scripts/bench-report.py [--results bench/results] [--readme README.md] [--plots bench/plots] [--check]

Each results file carries a `report` (title, command, columns, rows, verdict, notes), the
`machine` it ran on, optionally `cpu_saturated` and a `sweep` (one series per system, drawn as
bench/plots/<suite>-<x>.svg with gnuplot). The section written replaces the text between the
lines `<!-- bench-report:begin -->` and `<!-- bench-report:end -->` of the README; nothing
outside them is touched. With --check nothing is written: the exit code is 1 when the README's
section differs from what would be written (a diff is printed), 0 when it is up to date.

Exit codes: 0 done (a suite without a usable report is listed as such, with a warning on
stderr), 1 --check found a difference, 2 the README, its markers or gnuplot are missing.
Python 3 standard library only; the plots need gnuplot (Debian: gnuplot-nox).
"""

import argparse
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BEGIN_MARKER = "<!-- bench-report:begin -->"
END_MARKER = "<!-- bench-report:end -->"
# Suites in this order first, then any others alphabetically.
SUITE_ORDER = ["match", "match-query", "jobs", "submit", "http", "ws", "recovery"]
REPORT_KEYS = ["title", "command", "columns", "rows", "verdict"]
REPO_ROOT = Path(__file__).resolve().parent.parent


class ReportError(Exception):
    """A problem that stops the whole run (exit 2)."""


def warn(message):
    print(f"bench-report: warning: {message}", file=sys.stderr)


def display_path(path, readme_dir):
    """A path as written in the README: relative to the README's folder, with forward slashes."""
    return Path(os.path.relpath(path, readme_dir)).as_posix()


def suite_order_key(suite):
    if suite in SUITE_ORDER:
        return (0, SUITE_ORDER.index(suite), "")
    return (1, 0, suite)


def table_cell(value):
    text = str(value).replace("\r", " ").replace("\n", " ")
    return text.replace("|", "\\|")


def render_table(columns, rows):
    lines = ["| " + " | ".join(table_cell(c) for c in columns) + " |",
             "|" + "---|" * len(columns)]
    for row in rows:
        cells = [table_cell(c) for c in row]
        cells += [""] * (len(columns) - len(cells))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def machine_line(machine):
    parts = []
    if "cores" in machine:
        parts.append(f"{machine['cores']} cores")
    if machine.get("cpu"):
        parts.append(str(machine["cpu"]))
    if machine.get("load_average_before"):
        parts.append(f"load before {machine['load_average_before']}")
    if machine.get("fresh_memory_gb_per_s"):
        parts.append(f"fresh memory {machine['fresh_memory_gb_per_s']} GB/s")
    pauses = machine.get("pauses")
    if isinstance(pauses, dict) and "over_1ms_per_s" in pauses:
        parts.append(f"idle cores paused >= 1 ms {pauses['over_1ms_per_s']}/s each"
                     f" (longest {pauses.get('longest_ms', '?')} ms)")
    if machine.get("jobmesh_version"):
        parts.append(f"jobmesh {machine['jobmesh_version']}")
    if machine.get("compiler"):
        parts.append(str(machine["compiler"]))
    if machine.get("allocator"):
        parts.append(str(machine["allocator"]))
    return "Machine: " + ", ".join(parts) if parts else None


def report_problem(data):
    """Why a parsed results file has no usable report, or None when it has one."""
    if not isinstance(data, dict):
        return "the file is not a JSON object"
    report = data.get("report")
    if not isinstance(report, dict):
        return "it has no `report` object"
    missing = [key for key in REPORT_KEYS if key not in report]
    if missing:
        return "its report lacks " + ", ".join(missing)
    if not isinstance(report["columns"], list) or not isinstance(report["rows"], list):
        return "its report's columns and rows must be lists"
    if not all(isinstance(row, list) for row in report["rows"]):
        return "its report's rows must be lists of cells"
    if not isinstance(report.get("notes", []), list):
        return "its report's notes must be a list"
    return None


def sweep_problem(sweep):
    """Why a `sweep` cannot be drawn, or None when it can."""
    if not isinstance(sweep, dict):
        return "`sweep` is not an object"
    if not isinstance(sweep.get("x"), str) or not isinstance(sweep.get("y"), str):
        return "`sweep` needs `x` and `y` names"
    series = sweep.get("series")
    if not isinstance(series, dict) or not series:
        return "`sweep` has no `series`"
    for name, points in series.items():
        if not isinstance(points, list) or not points:
            return f"series {name!r} has no points"
        for point in points:
            if (not isinstance(point, list) or len(point) != 2
                    or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in point)):
                return f"series {name!r} has a point that is not [x, y] numbers"
    return None


def plot_file_name(suite, x_name):
    safe_x = re.sub(r"[^A-Za-z0-9._-]+", "-", x_name).strip("-") or "x"
    return f"{suite}-{safe_x}.svg"


def gnuplot_string(text):
    """A gnuplot single-quoted string: only '' needs escaping inside it."""
    return "'" + str(text).replace("'", "''") + "'"


def gnuplot_script(suite, sweep, output_path):
    series = sweep["series"]
    xs = [point[0] for points in series.values() for point in points]
    log_x = min(xs) > 0 and max(xs) >= 10 * min(xs)
    lines = [
        # noenhanced: names such as add_run are printed as written, not as subscripts.
        "set terminal svg size 640,400 noenhanced font 'sans,12' background '#ffffff'",
        f"set output {gnuplot_string(output_path)}",
        f"set title {gnuplot_string(suite)}",
        f"set xlabel {gnuplot_string(sweep['x'])}",
        f"set ylabel {gnuplot_string(sweep['y'])}",
        "set key left top",
        "set grid",
        "set yrange [0:*]",
    ]
    if log_x:
        lines.append("set logscale x")
    plots = [f"'-' using 1:2 with linespoints linewidth 2 title {gnuplot_string(name)}" for name in series]
    lines.append("plot " + ", ".join(plots))
    for points in series.values():
        for x, y in sorted(points):
            lines.append(f"{float(x)!r} {float(y)!r}")
        lines.append("e")
    return "\n".join(lines) + "\n"


def write_atomically(path, data, mode_from=None):
    """Writes bytes to path through a temporary file in the same folder and a rename."""
    path = Path(path)
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if mode_from is not None and mode_from.exists():
            os.chmod(temp_name, mode_from.stat().st_mode & 0o7777)
        else:
            os.chmod(temp_name, 0o644)
        os.replace(temp_name, path)
    except BaseException:
        if os.path.exists(temp_name):
            os.unlink(temp_name)
        raise


def draw_plot(gnuplot, suite, sweep, svg_path):
    """Draws one sweep into svg_path with gnuplot, replacing it only once it is complete."""
    svg_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=svg_path.parent, prefix=".bench-report.") as temp_dir:
        temp_svg = Path(temp_dir) / svg_path.name
        result = subprocess.run([gnuplot], input=gnuplot_script(suite, sweep, str(temp_svg)),
                                text=True, capture_output=True)
        if result.returncode != 0 or not temp_svg.exists():
            raise ReportError(f"gnuplot failed to draw {svg_path} (exit {result.returncode}):\n"
                              + result.stderr.strip())
        svg = temp_svg.read_bytes()
    # gnuplot 5.4's svg terminal writes no date or time, only its version in <desc>, so the same
    # data gives the same bytes; strip a date line in case another version adds one.
    svg = re.sub(rb"[^\n]*(CreationDate|Creation date)[^\n]*\n", b"", svg)
    write_atomically(svg_path, svg, mode_from=svg_path)


def read_suite(results_file):
    """(data, problem): the parsed file, or None and why it cannot be read."""
    try:
        data = json.loads(results_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        return None, f"cannot read it ({error})"
    except json.JSONDecodeError as error:
        return None, f"it is not valid JSON ({error})"
    return data, report_problem(data)


def render_section(results_dir, readme_dir, plots_dir):
    """The section's text and the plots it links to: a list of (suite, sweep, svg path)."""
    results_dir = Path(results_dir)
    shown_results = display_path(results_dir, readme_dir)
    lines = ["<!-- Written by scripts/bench-report.py from "
             f"{shown_results}/*.json: edit those or the script, not this section. -->", ""]
    plots = []
    suites = []
    if results_dir.is_dir():
        suites = sorted((f.stem for f in results_dir.glob("*.json") if f.is_file()), key=suite_order_key)
    if not suites:
        warn(f"no results in {results_dir}")
        lines += [f"No bench results in {shown_results} yet (run `jobmesh bench <suite>`).", ""]
        return "\n".join(lines), plots

    for suite in suites:
        results_file = results_dir / f"{suite}.json"
        shown_file = display_path(results_file, readme_dir)
        lines += [f"### {suite}", ""]
        data, problem = read_suite(results_file)
        if problem:
            warn(f"{results_file}: {problem}")
            lines += [f"{suite}: no report in {shown_file} (re-run `jobmesh bench {suite}`)", ""]
            continue
        if data.get("suite", suite) != suite:
            warn(f"{results_file} says it is suite {data['suite']!r}; listed as {suite!r}")
        report = data["report"]
        lines += [str(report["title"]), ""]
        lines += render_table(report["columns"], report["rows"]) + [""]
        lines += ["Result: " + str(report["verdict"]).replace("**", ""), ""]
        notes = report.get("notes", [])
        if notes:
            lines += [f"- {note}" for note in notes] + [""]
        if "sweep" in data:
            problem = sweep_problem(data["sweep"])
            if problem:
                warn(f"{results_file}: no plot: {problem}")
                lines += [f"{suite}: no plot, the sweep in {shown_file} is not usable: {problem}", ""]
            else:
                sweep = data["sweep"]
                svg_path = Path(plots_dir) / plot_file_name(suite, sweep["x"])
                plots.append((suite, sweep, svg_path))
                alt = f"{suite} {sweep['y']} against {sweep['x']}"
                lines += [f"![{alt}]({display_path(svg_path, readme_dir)})", ""]
        machine = data.get("machine")
        line = machine_line(machine) if isinstance(machine, dict) else None
        if line:
            lines += [line, ""]
        lines += [f"Reproduce: `{report['command']}`", ""]
        if data.get("cpu_saturated") is False:
            lines += ["The cores were less than 90% busy during this run (server and load generator "
                      "together): either the workload leaves them idle (see the notes) or another process "
                      "took CPU; if the latter, re-run on a quiet machine.", ""]
    return "\n".join(lines), plots


def split_readme(text, readme_path):
    """(before, section, after) around the marker lines; before ends with the begin line."""
    begins = list(re.finditer(rf"^{re.escape(BEGIN_MARKER)}[ \t]*\r?\n", text, re.M))
    ends = list(re.finditer(rf"^{re.escape(END_MARKER)}[ \t]*\r?$", text, re.M))
    if len(begins) != 1 or len(ends) != 1:
        raise ReportError(
            f"{readme_path} needs exactly one line `{BEGIN_MARKER}` and, after it, one line "
            f"`{END_MARKER}` around the performance section (found {len(begins)} and "
            f"{len(ends)}); add them where the section goes")
    if ends[0].start() < begins[0].end():
        raise ReportError(f"{readme_path}: the line `{END_MARKER}` comes before `{BEGIN_MARKER}`")
    begin_end, end_start = begins[0].end(), ends[0].start()
    return text[:begin_end], text[begin_end:end_start], text[end_start:]


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Writes the README's performance section from bench/results/*.json.")
    parser.add_argument("--results", default=str(REPO_ROOT / "bench" / "results"),
                        help="folder of <suite>.json files (default: bench/results)")
    parser.add_argument("--readme", default=str(REPO_ROOT / "README.md"),
                        help="the README to update (default: README.md)")
    parser.add_argument("--plots", default=str(REPO_ROOT / "bench" / "plots"),
                        help="folder for the sweep plots (default: bench/plots)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the README's section is out of date")
    args = parser.parse_args(argv)

    try:
        readme = Path(args.readme)
        try:
            readme_bytes = readme.read_bytes()
        except OSError as error:
            raise ReportError(f"cannot read the README {readme}: {error.strerror}")
        try:
            text = readme_bytes.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ReportError(f"{readme} is not UTF-8 text ({error})")
        before, old_section, after = split_readme(text, readme)
        new_section, plots = render_section(args.results, readme.resolve().parent, args.plots)
        if "\r\n" in before:  # keep a CRLF README in CRLF
            new_section = new_section.replace("\n", "\r\n")

        if args.check:
            if old_section == new_section:
                print(f"bench-report: {readme}'s performance section is up to date")
                return 0
            diff = difflib.unified_diff(old_section.splitlines(), new_section.splitlines(),
                                        f"{readme} (now)", f"{readme} (from {args.results})",
                                        lineterm="", n=1)
            print("\n".join(diff))
            print(f"bench-report: {readme}'s performance section is out of date: "
                  "run scripts/bench-report.py", file=sys.stderr)
            return 1

        gnuplot = shutil.which("gnuplot")
        if plots and gnuplot is None:
            names = ", ".join(suite for suite, _, _ in plots)
            raise ReportError(f"gnuplot is not installed, and the sweep of {names} needs it for "
                              "its plot (Debian: apt-get install -y gnuplot-nox); nothing written")
        for suite, sweep, svg_path in plots:
            draw_plot(gnuplot, suite, sweep, svg_path)
        if old_section != new_section:
            write_atomically(readme, (before + new_section + after).encode("utf-8"), mode_from=readme)
            print(f"bench-report: wrote {readme}'s performance section")
        else:
            print(f"bench-report: {readme}'s performance section was already up to date")
        return 0
    except ReportError as error:
        print(f"bench-report: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
