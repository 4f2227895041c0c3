#!/usr/bin/env bash
# Where the CPU of one `gaitscan analyze VIDEO --no-report` goes, by shared object: perf samples
# of every thread (the kernel's share is mostly page faults; _framework_bindings is MediaPipe's
# model; libpython the interpreter; cv2 the pelvis patches and scene roll; libavcodec decoding).
#   benchmarks/profile_dso.sh VIDEO            (needs `perf`: Debian package linux-perf)
#   MALLOC_TOP_PAD_=131072 benchmarks/profile_dso.sh VIDEO   (glibc's default pad: see gaitscan/allocator.py)
set -euo pipefail
video=${1:?usage: benchmarks/profile_dso.sh VIDEO}
command -v perf >/dev/null || { echo "perf is not installed (Debian: apt install linux-perf)" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
perf record -q -o "$out/perf.data" -F 499 -g -- gaitscan analyze "$video" --out "$out/analysis" --no-report \
    >/dev/null 2>"$out/perf.log"
perf report -i "$out/perf.data" --no-children --sort dso -g none --stdio 2>/dev/null \
    | grep -v '^#' | grep -v '^$' | head -12
