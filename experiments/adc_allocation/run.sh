#!/bin/bash
# The adc_allocation study (experiments/adc_allocation/README.md): per-layer ADC bits found by
# `xbarsim optimize` against the best uniform precision, for the shipped CNN and MLP on the
# ReRAM and SRAM tiles, at accuracy budgets of 2, 1 and 0.5 points; then the figure.
#
# Usage: [ARCHS="reram sram"] [DROPS="0.02 0.01 0.005"] \
#        experiments/adc_allocation/run.sh XBARSIM OUT_DIR [MODEL ...]
#   MODEL: fmnist_cnn, fmnist_mlp (default: both)
#
# The budgets of one model and tile run from the loosest to the tightest, each starting from a
# copy of the previous folder's evaluations with --resume: a setting evaluated under one budget
# is read back, not recomputed, under the next (an evaluation's key has no budget in it).
set -euo pipefail
xbarsim=${1:?usage: run.sh XBARSIM OUT_DIR [MODEL ...]}
out=${2:?usage: run.sh XBARSIM OUT_DIR [MODEL ...]}
shift 2
models=("${@:-fmnist_cnn fmnist_mlp}")
here=$(cd "$(dirname "$0")" && pwd)
data=$(cd "$here/../../data" && pwd)
# Search: 1000 training images, 2 trials; re-check: the first 5000 test images. These are the
# study's quick settings (the optimizer's defaults are 2000, 3 and all 10 000), chosen to keep
# the whole study near 20 CPU-minutes; the statistics in docs/optimizer.md hold for any n.
common=(--range tile.adc.bits=3:10 --trials 2 --search-images 1000 --test-images 5000
        --seed 20261207 --jobs 2 --scan-uniform --quiet)
for model in ${models[@]}; do
  for arch in ${ARCHS:-reram sram}; do
    previous=""
    for drop in ${DROPS:-0.02 0.01 0.005}; do
      dir="$out/${model}_${arch}_drop${drop}"
      resume=()
      # A budget run alone (DROPS="0.03") starts from the tightest budget's folder if there.
      [ -z "$previous" ] && [ -d "$out/${model}_${arch}_drop0.005" ] && [ ! -d "$dir" ] &&
        previous="$out/${model}_${arch}_drop0.005"
      if [ -d "$dir/evaluations" ]; then
        resume=(--resume)  # a rerun: keep what this folder holds
      elif [ -n "$previous" ]; then
        rm -rf "$dir"
        mkdir -p "$dir"
        cp -r "$previous/evaluations" "$previous/.xbarsim-optimize" "$dir/"
        resume=(--resume)
      fi
      echo "== $model on $arch, budget $drop"
      start=$(date +%s)
      "$xbarsim" optimize "$arch" --model "$data/models/$model.h5" --max-accuracy-drop "$drop" \
        "${common[@]}" "${resume[@]}" -o "$dir" | tee "$dir.txt"
      echo "wall time: $(( $(date +%s) - start )) s" | tee -a "$dir.txt"
      previous=$dir
    done
  done
done
/usr/bin/python3 "$here/plot_allocation.py" "$out"/*_drop*/ -o "$out/adc_allocation_energy_vs_accuracy.png"
