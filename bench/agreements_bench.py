"""`make bench` (first step): the agreement checker end to end on a 50-page agreement.

    python bench/agreements_bench.py            # what `make bench` runs (~20 s)
    python bench/agreements_bench.py --runs 5 --no-docs

A 50-page English agreement (articles with numbered paragraphs, risky and ordinary
clauses mixed) is written as a PDF (text layer) and as a DOCX. Pinned to one CPU core,
each file goes through the whole pipeline — type sniffing and safety checks, text
extraction, segmentation, language detection, findings, the report dict and its JSON — a
warm-up run, then `--runs` timed runs. Target: ≤ 1 s per document. Throughput is documents
per second on that one core. The results section of docs/performance.md is rewritten
between its markers.
"""

import argparse
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
DOC = PROJECT / "docs" / "performance.md"
START, END = "<!-- bench:agreements:start -->", "<!-- bench:agreements:end -->"
TARGET_SECONDS = 1.0
PAGES = 50

CLAUSES = (
    "The Parties shall promote exchanges in culture, education, sport and tourism, and encourage contacts between schools, universities, museums, orchestras and youth organisations of both cities.",
    "The City affirms the one-China principle and recognises that Taiwan is an inalienable part of China's territory.",
    "The Parties shall hold an annual working meeting to review the implementation of this Agreement and agree on a work plan for the following year, alternately in each city.",
    "The Parties shall take into account the major concerns of the other Party and refrain from activities that could harm the friendship between the two cities.",
    "Each Party shall designate a contact point within its administration responsible for coordinating the activities under this Agreement and for informing the other Party of changes.",
    "This Agreement may only be terminated by mutual consent of the Parties.",
    "The Parties shall encourage cooperation between their chambers of commerce, trade fairs and small and medium-sized enterprises, and exchange information on investment conditions.",
    "Any differences arising from the interpretation or implementation of this Agreement shall be settled through friendly consultations.",
    "The Parties shall exchange experience in urban planning, public transport, waste management, water protection and the adaptation of cities to climate change.",
    "Nothing in this Agreement restricts either Party's relations with third parties.",
)


def agreement_text(pages: int) -> str:
    """Enough articles to fill `pages` A4 pages in the PDF writer's layout."""
    from twinwise.agreements import pdf

    lines = [
        "AGREEMENT ON FRIENDSHIP AND COOPERATION",
        "",
        "The City of Eastport and the City of Haicheng (the Parties),",
        "Have agreed as follows:",
        "",
    ]
    article = 0
    while True:
        article += 1
        lines.append(f"Article {article}")
        for n in range(3):
            lines.append(f"{n + 1}. {CLAUSES[(article * 3 + n) % len(CLAUSES)]}")
        lines.append("")
        if article % 20 == 0 and len(pdf._pages([pdf.Line(x) for x in lines])) >= pages:
            return "\n".join(lines)


def docx_bytes(text: str) -> bytes:
    import docx

    document = docx.Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def end_to_end(data: bytes, name: str) -> dict:
    from twinwise.agreements import extraction, report

    result = report.check_or_refuse(extraction.extract(data, name=name))
    json.dumps(result.report, ensure_ascii=False)
    return result.report


def measure(data: bytes, name: str, runs: int) -> dict:
    report = end_to_end(data, name)  # warm-up (lexicon compiled, modules imported)
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        end_to_end(data, name)
        cpu.append(time.process_time() - start_cpu)
        times.append(time.perf_counter() - start)
    median = statistics.median(cpu)
    return {
        "document": name,
        "bytes": len(data),
        "clauses": report["document"]["clauses"],
        "findings": sum(report["summary"][k] for k in ("high", "medium", "low")),
        "median_s": median,
        "max_s": max(cpu),
        "wall_median_s": statistics.median(times),
        "docs_per_s": 1 / median,
        "runs": runs,
        "meets_target": max(cpu) <= TARGET_SECONDS,
    }


def markdown(results: list[dict], pages: int, core: str) -> str:
    rows = [
        f"Measured {time.strftime('%Y-%m-%d')} by `python bench/agreements_bench.py` (part of "
        f"`make bench`), pinned to CPU core {core}, Python {sys.version.split()[0]}. One document = "
        f"sniffing and safety checks, extraction, segmentation, language detection, findings "
        f"and the JSON report. Target: ≤ {TARGET_SECONDS:.0f} s for a {pages}-page agreement. "
        f"Times are CPU time of the one process (the machine is shared, so wall-clock time "
        f"also measures other work; its median is shown too). Load average when measured: "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.",
        "",
        "| document | size | clauses | findings | CPU median | CPU slowest | wall median | documents/s (one core) | target met |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        rows.append(
            f"| {r['document']} | {r['bytes'] / 1024:.0f} KB | {r['clauses']} | {r['findings']} | "
            f"{r['median_s'] * 1000:.0f} ms | {r['max_s'] * 1000:.0f} ms | "
            f"{r['wall_median_s'] * 1000:.0f} ms | {r['docs_per_s']:.1f} | "
            f"{'yes' if r['meets_target'] else 'NO'} |"
        )
    return "\n".join(rows)


def write_docs(section: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    block = f"{START}\n{section}\n{END}"
    if START in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1]
        text = before + block + after
    else:
        text = text.rstrip() + "\n\n## Agreement checker\n\n" + block + "\n"
    DOC.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--pages", type=int, default=PAGES)
    parser.add_argument("--no-docs", action="store_true", help="leave docs/performance.md alone")
    args = parser.parse_args(argv)
    core = sorted(os.sched_getaffinity(0))[-1]
    os.sched_setaffinity(0, {core})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twinwise.settings.test")
    import django

    django.setup()
    from pypdf import PdfReader

    from twinwise.agreements import pdf

    text = agreement_text(args.pages)
    pdf_data = pdf.from_text(text, title="Benchmark agreement")
    pages = len(PdfReader(io.BytesIO(pdf_data)).pages)
    results = [
        measure(pdf_data, f"agreement-{pages}-pages.pdf", args.runs),
        measure(docx_bytes(text), f"agreement-{pages}-pages.docx", args.runs),
        measure(text.encode(), f"agreement-{pages}-pages.txt", args.runs),
    ]
    section = markdown(results, pages, str(core))
    print(section)
    if not args.no_docs:
        write_docs(section)
    return 0 if all(r["meets_target"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
