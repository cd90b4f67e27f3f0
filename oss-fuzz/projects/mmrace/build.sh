#!/bin/bash -eu
# OSS-Fuzz's build step for mmrace: the build lives in the repository, shared with ClusterFuzzLite
# (.clusterfuzzlite/build.sh): Maven, the class path and a JDK 21 in $OUT, one Jazzer launcher per
# read path (mmrace_<variant>_fuzzer).
exec "$SRC/mmrace/.clusterfuzzlite/build.sh"
