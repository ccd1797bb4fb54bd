#!/usr/bin/python3
"""Compares the shared libraries binaries load with a Dockerfile's runtime stage.

Usage: check_libraries.py DOCKERFILE BINARY...

Maps every library `ldd BINARY` resolves to the Debian package that owns it
(dpkg-query -S) and checks, against the packages the Dockerfile's last stage
installs with apt-get:
  - every such package is installed there, is pulled in by those packages
    (apt-cache depends --recurse), or is Priority: required (in every Debian base
    image, minbase included);
  - every package installed there owns at least one of those libraries (the stage
    installs nothing else).
Prints "ok" and the mapping, or the problems and exits 1. (container_test.sh also
runs ldd inside the built image.)
"""
import os
import re
import subprocess
import sys


def runtime_packages(dockerfile):
    text = open(dockerfile, encoding="utf-8").read().replace("\\\n", " ")
    stage = text[text.rindex("\nFROM "):]
    packages = set()
    for match in re.finditer(r"apt-get install ([^&\n]*)", stage):
        packages.update(w for w in match.group(1).split() if not w.startswith("-"))
    return packages


def libraries(binaries):
    paths = set()
    for binary in binaries:
        out = subprocess.run(["ldd", binary], capture_output=True, text=True,
                             check=True).stdout
        for line in out.splitlines():
            if "not found" in line:
                sys.exit(f"{binary}: {line.strip()}")
            match = re.search(r"=> (/\S+)", line) or re.match(r"\s*(/\S+)", line)
            if match:
                paths.add(match.group(1))
    return paths


def spellings(path):
    """path as dpkg may have recorded it (/lib <-> /usr/lib: usrmerge)."""
    candidates = {path, os.path.realpath(path)}
    for candidate in list(candidates):
        if candidate.startswith("/usr/lib/"):
            candidates.add(candidate[len("/usr"):])
        elif candidate.startswith("/lib"):
            candidates.add("/usr" + candidate)
    return candidates


def owners(paths):
    """{path: package}, from one dpkg-query run (each run reads every file list)."""
    wanted = {spelling: path for path in paths for spelling in spellings(path)}
    done = subprocess.run(["dpkg-query", "-S"] + sorted(wanted), capture_output=True,
                          text=True)
    found = {}
    for line in done.stdout.splitlines():
        package, _, owned = line.partition(": ")
        if owned in wanted and "," not in package:
            found[wanted[owned]] = package.split(":")[0].strip()
    missing = sorted(set(paths) - set(found))
    if missing:
        sys.exit(f"no Debian package owns {', '.join(missing)}")
    return found


def closure(packages):
    out = subprocess.run(
        ["apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests",
         "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances"]
        + sorted(packages), capture_output=True, text=True, check=True).stdout
    names = set()
    for line in out.splitlines():
        name = line.split(":", 1)[1] if ":" in line.strip() and line.startswith(" ") \
            else line
        name = name.strip().strip("<>").split(":")[0]
        if name:
            names.add(name)
    return names


def required():
    out = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Priority}\n"],
                         capture_output=True, text=True, check=True).stdout
    return {line.split()[0] for line in out.splitlines() if line.endswith(" required")}


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    listed = runtime_packages(argv[1])
    if not listed:
        sys.exit("the Dockerfile's last stage installs no packages")
    needed = {}
    for path, package in sorted(owners(libraries(argv[2:])).items()):
        needed.setdefault(package, []).append(os.path.basename(path))
    available = listed | closure(listed) | required()
    problems = []
    for package, libs in sorted(needed.items()):
        if package not in available:
            problems.append(f"{package} ({', '.join(libs)}) is not installed by the "
                            "runtime stage")
    for package in sorted(listed - set(needed)):
        problems.append(f"the runtime stage installs {package}, which no binary loads")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        sys.exit(1)
    print("ok")
    for package, libs in sorted(needed.items()):
        where = "listed" if package in listed else "pulled in or required"
        print(f"  {package}: {', '.join(libs)} ({where})")


if __name__ == "__main__":
    main(sys.argv)
