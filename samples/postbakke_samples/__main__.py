"""`python -m postbakke_samples OUT`: a generated tray for the demo."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from postbakke_samples.trays import SEPARATOR_KINDS, make_batch, make_tray
from postbakke_samples.truth import BATCH_FILE, TRAY_DIR, load_batches


def main(argv: list[str] | None = None) -> None:
    """`python -m postbakke_samples OUT`: a day's tray of fictional letters for the demo."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m postbakke_samples",
        description="Lav en bakke med fiktive breve, registre og facit (truth.json).",
    )
    parser.add_argument("out", type=Path, help="mappe der skal skrives til")
    parser.add_argument("--seed", type=int, default=2026, help="frø for tilfældighederne")
    parser.add_argument("--letters", type=int, default=12, help="antal breve")
    parser.add_argument("--scanned-share", type=float, default=0.5,
                        help="andel af brevene der er scannede billeder")
    parser.add_argument("--batch", type=int, metavar="N",
                        help="skriv i stedet én scannet bunke (én fil) med N breve")
    parser.add_argument("--format", choices=["pdf", "tif"], default="pdf",
                        help="bunkens filformat (kun med --batch)")
    parser.add_argument("--separator", choices=list(SEPARATOR_KINDS), default="code128",
                        help="stregkoden på skillearkene (kun med --batch)")
    args = parser.parse_args(argv)
    if args.batch is not None:
        truths = make_batch(args.out, args.seed, args.batch, fmt=f".{args.format}",
                            separator_kind=args.separator)
        roles = load_batches(args.out / BATCH_FILE)[truths[0].file]["pages"]
        counts = Counter(page["role"].split(":")[0] for page in roles)
        print(
            f"Bunke lavet: {args.out / TRAY_DIR / truths[0].file}: {len(truths)} breve på "
            f"{len(roles)} sider ({counts['letter']} med brev, {counts['blank']} blanke "
            f"bagsider, {counts['separator']} skilleark)."
        )
        return
    truths = make_tray(args.out, args.seed, args.letters, args.scanned_share)
    scanned = sum(1 for t in truths if t.degradation != "text")
    print(
        f"Bakke lavet i {args.out / TRAY_DIR}: {len(truths)} breve "
        f"({len(truths) - scanned} med tekstlag, {scanned} scannede)."
    )


if __name__ == "__main__":
    main()
