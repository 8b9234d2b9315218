"""Printing for the benchmarks: Markdown tables that paste straight into a note or the README."""
import sys


def table(title, header, rows) -> None:
    """A Markdown table under ``title``: first column left-aligned, the others right-aligned."""
    cells = [[str(c) for c in row] for row in [header, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    line = lambda row: "| " + " | ".join(c.ljust(w) if i == 0 else c.rjust(w)  # noqa: E731
                                         for i, (c, w) in enumerate(zip(row, widths))) + " |"
    print(f"\n{title}\n{line(cells[0])}")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells[1:]:
        print(line(row))
    sys.stdout.flush()


def measures(rows) -> None:
    """A two-column ``| measure | value |`` table of ``(name, value)`` pairs."""
    width = max(len(k) for k, _ in rows)
    print(f"\n| {'measure':<{width}} | value |\n|{'-' * (width + 2)}|-------|")
    for k, v in rows:
        print(f"| {k:<{width}} | {v} |")
    sys.stdout.flush()
