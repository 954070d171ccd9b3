#!/usr/bin/env bash
# processfarm against the usual tools on one photo, in one run: the same exposure/gamma LUT applied to a JPEG,
# written as JPEG q90, by processfarm (each mode), vips (`vips maplut`), ImageMagick (/usr/bin/convert) and Pillow
# (Debian's /usr/bin/python3). Prints wall time, CPU time and peak RSS (median of the runs) with ratios to
# processfarm threads, after checking that every tool's output decodes and matches the reference LUT within 1.
# Then the batch: a folder of JPEGs through processfarm and through vips under `xargs -P`.
#
# Usage: scripts/compare-peers.sh [IMAGE] [--runs N] [--ev E] [--gamma G] [--batch N] [--batch-size WxH] [--no-install]
#   IMAGE       a JPEG; default: a generated 40 MP photo-like JPEG (q90)
#   --runs      timed runs per tool, interleaved (default 5)
#   --batch     files in the batch comparison (default 24; 0 skips it), --batch-size their size (default 4000x3000)
#   --no-install  skip missing peers instead of installing them with apt
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

image="" runs=5 ev=0.5 gamma=1.2 batch=24 batch_size=4000x3000 install=1
while (($#)); do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --ev) ev=$2; shift 2 ;;
    --gamma) gamma=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --batch-size) batch_size=$2; shift 2 ;;
    --no-install) install=0; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    -*) echo "compare-peers: unknown option $1" >&2; exit 2 ;;
    *) image=$1; shift ;;
  esac
done

farm=$(scripts/publish.sh) # the precompiled programs users run
py=/usr/bin/python3 # Debian's: Pillow comes from python3-pil
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
note() { echo "compare-peers: $*" >&2; }

# ---- peers: install what is missing (Debian packages), or skip it with a note --------------------------------
have_vips=0 have_magick=0 have_pillow=0
want=()
command -v vips >/dev/null || want+=(libvips-tools)
[[ -x /usr/bin/convert ]] || want+=(imagemagick)
$py -c 'import PIL' 2>/dev/null || want+=(python3-pil)
command -v /usr/bin/time >/dev/null || want+=(time)
if ((${#want[@]})) && ((install)); then
  sudo_cmd=(); [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo -n)
  note "installing ${want[*]}"
  { "${sudo_cmd[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${want[@]}"; } >/dev/null 2>&1 \
    || note "could not install ${want[*]}; the missing ones are skipped"
fi
[[ -x /usr/bin/time ]] || { note "/usr/bin/time (package time) is needed to measure CPU and RSS"; exit 1; }
command -v vips >/dev/null && have_vips=1 || note "vips not available: skipped"
[[ -x /usr/bin/convert ]] && have_magick=1 || note "ImageMagick (/usr/bin/convert) not available: skipped"
$py -c 'import PIL' 2>/dev/null && have_pillow=1 || note "Pillow (python3-pil) not available: skipped"

# ---- the photo and the LUT ------------------------------------------------------------------------------------
if [[ -z $image ]]; then
  image=$scratch/photo-40mp.jpg
  note "generating a 40 MP test photo (7744x5163, q90)"
  "$farm" process --sample-size 7744x5163 --ev 0 --gamma 1 -m threads -q 90 -o "$image" >/dev/null
fi
[[ -f $image ]] || { note "'$image' does not exist"; exit 3; }
# The reference LUT, exactly as processfarm.h defines it (IEEE double, pow, truncation), as a 256x1 grey PGM
# that vips maplut takes, and as the list Pillow's point() takes.
$py - "$ev" "$gamma" "$scratch" <<'PY'
import sys
ev, gamma, d = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
s = pow(2.0, ev)
lut = [int(min(255.0, max(0.0, 255.0 * pow((x / 255.0) * s, 1.0 / gamma)))) for x in range(256)]
open(f"{d}/lut.pgm", "wb").write(b"P5 256 1 255\n" + bytes(lut))
open(f"{d}/lut.txt", "w").write(",".join(map(str, lut)))
PY
gain=$($py -c "print(2 ** $ev)")
cat > "$scratch/pillow_lut.py" <<'PY'
import sys
from PIL import Image
src, dst, lut_file = sys.argv[1:4]
lut = [int(v) for v in open(lut_file).read().split(",")]
im = Image.open(src)
im = im.point(lut * len(im.getbands()))
im.save(dst, quality=90) if dst.endswith(".jpg") else im.save(dst)
PY

# ---- the contestants: name, then a command with IN and OUT placeholders ----------------------------------------
names=() commands=()
add() { names+=("$1"); commands+=("$2"); }
for mode in serial threads pipe shm; do
  add "processfarm $mode" "$farm process IN -o OUT -m $mode --ev $ev --gamma $gamma -q 90"
done
add "processfarm threads --no-stream" "$farm process IN -o OUT -m threads --no-stream --ev $ev --gamma $gamma -q 90"
((have_vips)) && add "vips maplut" "vips maplut IN OUT[Q=90,subsample-mode=on] $scratch/lut.pgm"
((have_magick)) && add "ImageMagick convert" "/usr/bin/convert IN -evaluate Multiply $gain -gamma $gamma -quality 90 OUT"
((have_pillow)) && add "Pillow point()" "$py $scratch/pillow_lut.py IN OUT $scratch/lut.txt"

run_tool() { # index input output -> "wall user sys maxrss_kb" on stdout
  local cmd=${commands[$1]//IN/$2}
  [[ $3 == *.png ]] && cmd=$(sed -E 's/OUT\[[^]]*\]/OUT/' <<< "$cmd") # JPEG save options do not apply to PNG
  cmd=${cmd//OUT/$3}
  /usr/bin/time -f "%e %U %S %M" -o "$scratch/time.txt" bash -c "$cmd" >/dev/null 2>"$scratch/stderr.txt" \
    || { note "${names[$1]} failed: $(tail -3 "$scratch/stderr.txt")"; return 1; }
  cat "$scratch/time.txt"
}

# ---- correctness: PNG outputs (lossless), compared with the LUT applied to the same tool's own decode -----------
note "checking outputs (PNG, probe of pixels)"
to_ppm() { # decode any image to binary PPM with vips if present, else Pillow
  if ((have_vips)); then vips copy "$1" "$2" >/dev/null
  else $py -c "import sys; from PIL import Image; Image.open(sys.argv[1]).convert('RGB').save(sys.argv[2])" "$1" "$2"; fi
}
: > "$scratch/check.txt"
for i in "${!names[@]}"; do
  [[ ${names[$i]} == *--no-stream* ]] && continue
  run_tool "$i" "$image" "$scratch/check-$i.png" >/dev/null || { echo "${names[$i]}|FAILED" >> "$scratch/check.txt"; continue; }
  case ${names[$i]} in # each tool's decode of the input, to apply the reference LUT to
    "ImageMagick convert") /usr/bin/convert "$image" "$scratch/decoded-$i.ppm" ;;
    "Pillow point()") $py -c "import sys; from PIL import Image; Image.open(sys.argv[1]).save(sys.argv[2])" "$image" "$scratch/decoded-$i.ppm" ;;
    *) if ((have_vips)); then vips copy "$image" "$scratch/decoded-$i.ppm"; else "$farm" process "$image" -o "$scratch/id.png" --ev 0 --gamma 1 >/dev/null && to_ppm "$scratch/id.png" "$scratch/decoded-$i.ppm"; fi ;;
  esac
  to_ppm "$scratch/check-$i.png" "$scratch/out-$i.ppm"
  $py - "${names[$i]}" "$scratch/decoded-$i.ppm" "$scratch/out-$i.ppm" "$scratch/lut.txt" >> "$scratch/check.txt" <<'PY'
import sys
name, decoded, out, lut_file = sys.argv[1:5]
lut = [int(v) for v in open(lut_file).read().split(",")]
def ppm(path):
    data = open(path, "rb").read()
    fields, pos = [], 0
    while len(fields) < 4:  # magic, width, height, maxval; comments skipped
        while data[pos:pos + 1].isspace(): pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos); continue
        end = pos
        while not data[end:end + 1].isspace(): end += 1
        fields.append(data[pos:end]); pos = end
    return int(fields[1]), int(fields[2]), data[pos + 1:]
w1, h1, a = ppm(decoded)
w2, h2, b = ppm(out)
if (w1, h1) != (w2, h2) or len(a) != len(b):
    print(f"{name}|size differs: {w1}x{h1} vs {w2}x{h2}"); sys.exit()
step = 97  # a probe: every 97th byte, about 1% of the image
diffs = [abs(lut[a[k]] - b[k]) for k in range(0, len(a), step)]
worst = max(diffs)
within = sum(d <= 1 for d in diffs) / len(diffs)
print(f"{name}|{'ok' if worst <= 1 else 'DIFFERS'}: max |diff| {worst}, {within:.4%} of {len(diffs)} probed values within 1")
PY
done

# ---- timing: interleaved runs, medians ------------------------------------------------------------------------
note "timing ${#names[@]} tools x $runs runs on $(basename "$image")"
: > "$scratch/times.txt"
for ((r = 0; r < runs; r++)); do
  for i in "${!names[@]}"; do
    ext=jpg
    if t=$(run_tool "$i" "$image" "$scratch/timed-$i.$ext"); then echo "$i $t" >> "$scratch/times.txt"; fi
  done
done

$py - "$scratch" "$image" "${names[@]}" <<'PY'
import os, statistics, sys
d, image, names = sys.argv[1], sys.argv[2], sys.argv[3:]
rows = {}
for line in open(f"{d}/times.txt"):
    i, wall, user, sys_, rss = line.split()
    rows.setdefault(int(i), []).append((float(wall), float(user) + float(sys_), int(rss) / 1024))
checks = dict(line.rstrip("\n").split("|", 1) for line in open(f"{d}/check.txt"))
med = {i: tuple(statistics.median(v[k] for v in r) for k in range(3)) for i, r in rows.items()}
ref = next((i for i, n in enumerate(names) if n == "processfarm threads"), 0)
print(f"{os.path.basename(image)} ({os.path.getsize(image) / 1e6:.1f} MB), median of {len(rows[ref])} runs; ratio = tool time / processfarm threads time")
print()
print("| tool | wall s | CPU s | peak RSS MB | wall vs processfarm threads | output check |")
print("| --- | ---: | ---: | ---: | ---: | --- |")
for i, n in enumerate(names):
    if i not in med:
        print(f"| {n} | failed | | | | {checks.get(n, '')} |"); continue
    w, c, m = med[i]
    print(f"| {n} | {w:.3f} | {c:.3f} | {m:.0f} | {w / med[ref][0]:.2f}x | {checks.get(n, 'same pixels as processfarm threads (whole-image path)')} |")
PY

# ---- batch: a folder of JPEGs, processfarm vs vips under xargs -P ----------------------------------------------
if ((batch > 0)); then
  workers=$(nproc)
  mkdir -p "$scratch/batch"
  "$farm" process --sample-size "$batch_size" --ev 0 --gamma 1 -m threads -q 90 -o "$scratch/batch/photo-000.jpg" >/dev/null
  for ((k = 1; k < batch; k++)); do cp "$scratch/batch/photo-000.jpg" "$scratch/batch/$(printf 'photo-%03d.jpg' "$k")"; done
  note "batch: $batch JPEGs of $batch_size, $workers at a time"
  : > "$scratch/batch.txt"
  for ((r = 0; r < runs; r++)); do
    for mode in threads pipe shm; do
      rm -rf "$scratch/bout"
      /usr/bin/time -f "$mode %e %U %S %M" -a -o "$scratch/batch.txt" "$farm" process "$scratch/batch" -o "$scratch/bout" -m "$mode" -w "$workers" --ev "$ev" --gamma "$gamma" -q 90 >/dev/null 2>&1
    done
    if ((have_vips)); then
      rm -rf "$scratch/vout"; mkdir -p "$scratch/vout"
      /usr/bin/time -f "vips %e %U %S %M" -a -o "$scratch/batch.txt" bash -c \
        "ls '$scratch'/batch/*.jpg | xargs -P $workers -I{} sh -c 'vips maplut {} \"$scratch/vout/\$(basename {})[Q=90,subsample-mode=on]\" \"$scratch/lut.pgm\"'"
    fi
  done
  $py - "$scratch/batch.txt" "$batch" "$batch_size" "$workers" <<'PY'
import statistics, sys
path, n, size, workers = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
rows = {}
for line in open(path):
    name, wall, user, sys_, rss = line.split()
    rows.setdefault(name, []).append((float(wall), float(user) + float(sys_), int(rss) / 1024))
ref = statistics.median(w for w, _, _ in rows["threads"])
print()
print(f"batch: {n} JPEGs of {size}, {workers} at a time, median of {len(rows['threads'])} runs")
print()
print("| tool | wall s | CPU s | files/s | wall vs processfarm threads |")
print("| --- | ---: | ---: | ---: | ---: |")
for name, label in (("threads", "processfarm threads (files)"), ("pipe", "processfarm pipe (files: paths only)"), ("shm", "processfarm shm (files: paths only)"), ("vips", f"vips maplut, xargs -P {workers}")):
    if name in rows:
        w = statistics.median(v[0] for v in rows[name]); c = statistics.median(v[1] for v in rows[name])
        print(f"| {label} | {w:.3f} | {c:.3f} | {n / w:.1f} | {w / ref:.2f}x |")
PY
fi
