#!/bin/bash
# experiments/adc_allocation/plot_allocation.py on a small real optimisation: it writes a PNG,
# and a folder that holds no optimize result is refused with exit status 2.
#   test_plot_allocation.sh XBARSIM SOURCE_DIR
set -euo pipefail
xbarsim=$1
source=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$xbarsim" optimize sram --model "$source/data/models/fmnist_mlp.h5" --max-accuracy-drop 0.02 \
  --range tile.adc.bits=3:5 --trials 1 --search-images 100 --calibration-images 32 \
  --test-images 100 --batch 50 --scan-uniform --quiet -o "$tmp/a" > /dev/null
script="$source/experiments/adc_allocation/plot_allocation.py"
/usr/bin/python3 "$script" "$tmp/a" -o "$tmp/figure.png"
# The PNG signature: \x89 P N G \r \n \x1a \n.
[ "$(head -c 8 "$tmp/figure.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] ||
  { echo "FAIL: $tmp/figure.png is not a PNG"; exit 1; }
mkdir "$tmp/empty"
status=0
/usr/bin/python3 "$script" "$tmp/empty" -o "$tmp/other.png" 2> "$tmp/err" || status=$?
[ "$status" = 2 ] || { echo "FAIL: exit $status for a folder without results, expected 2"; exit 1; }
grep -q "$tmp/empty" "$tmp/err" || { echo "FAIL: the error does not name the folder"; exit 1; }
echo PASS
