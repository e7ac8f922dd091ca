"""Fictional sample letters with known truth: the test fixtures, `make demo`'s tray, the benchmark.

Everything here is invented: people are random combinations of common Danish
first and last names with random (valid) CPR numbers, streets are made up,
companies are made up with valid modulus-11 CVR numbers. Only the municipality
(Favrskov Kommune, its CVR and switchboard number) and the postcodes are real,
because the reader must learn to ignore exactly those.

The generator is deterministic from a seed: `random.Random` for every choice,
a seeded numpy `Generator` for scan noise, and reportlab's invariant mode so a
text PDF is byte-identical between runs. It is a distribution of its own
(samples/pyproject.toml): it imports postbakke, postbakke never imports it, and the
product's wheel holds none of it. Its modules reach each other through public names.

The modules, in the order the data flows:

- name_pools    Danish names, streets, towns and companies to draw from
- world         citizens, companies, staff, registers; CPR and CVR making (make_world)
- letter_texts  what the letters say, per department, in Danish
- letters       who writes to whom, in which layout, with which ID where (make_letter_specs)
- letter_pdf    a letter drawn as an A4 PDF with a text layer, in its layout
- truth         truth.json, batch.json and the registers next to a tray; expected verdicts
- scanner       an office scanner: raster, skew, noise, JPEG in PDF or TIFF
- trays         one letter a file (make_tray) or a whole tray in one scan (make_batch)
- degrade       the corpus's graded scan damage: clean, mild, medium, harsh
- corpus        the evaluation corpus of `make bench` and `postbakke-eval` (make_corpus)
- cases         issue 20's letters about someone other than the addressee (make_case_specs)
- evaluate      scoring an export against the truth
- eval_command  `postbakke-eval TRUTH.json`: evaluate on a workspace, for people
- digital_counts  fictional weekly digital counts for the demo

`python -m postbakke_samples OUT` writes the demo's tray (__main__). The names
below are the ones callers use; everything else is imported from its module.
"""

from postbakke_samples.cases import CASES, make_case_specs
from postbakke_samples.corpus import make_corpus
from postbakke_samples.degrade import DEGRADATION_LEVELS
from postbakke_samples.letter_pdf import render_letter_pdf
from postbakke_samples.letters import LetterSpec, make_letter_specs
from postbakke_samples.scanner import render_scan
from postbakke_samples.trays import make_batch, make_tray, render_separator_sheet
from postbakke_samples.truth import (
    BATCH_FILE,
    TEXT_LEVEL,
    TRAY_DIR,
    LetterTruth,
    load_batches,
    load_truth,
)
from postbakke_samples.world import (
    MUNICIPALITY_CVR,
    MUNICIPALITY_NAME,
    Company,
    Person,
    StaffMember,
    World,
    make_world,
    write_registers,
)

__all__ = [
    "BATCH_FILE",
    "DEGRADATION_LEVELS",
    "MUNICIPALITY_CVR",
    "MUNICIPALITY_NAME",
    "TEXT_LEVEL",
    "TRAY_DIR",
    "Company",
    "LetterSpec",
    "LetterTruth",
    "Person",
    "StaffMember",
    "World",
    "load_batches",
    "load_truth",
    "make_batch",
    "make_corpus",
    "make_case_specs",
    "CASES",
    "make_letter_specs",
    "make_tray",
    "make_world",
    "render_letter_pdf",
    "render_scan",
    "render_separator_sheet",
    "write_registers",
]
