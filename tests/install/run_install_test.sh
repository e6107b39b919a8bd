#!/usr/bin/env bash
# Install and reuse (docs/install.md), registered with CTest (label `install`) by
# tests/CMakeLists.txt, which passes the build's settings in the environment below.
#
#   run_install_test.sh package
#     installs the build into a temporary prefix; runs the installed xbarsim from another
#     folder, without XBARSIM_DATA_DIR (it must find the installed data), with it (it must
#     follow it), with a wrong one, as a lone copy (a clear error), and after moving the whole
#     prefix; builds tests/install/consumer against the installed package (find_package) and
#     runs it in its build tree and installed; imports the Python module from the prefix when
#     the build has one.
#   run_install_test.sh subdirectory
#     builds tests/install/subdirectory, which adds the source tree with add_subdirectory and
#     links xbarsim::xbarsim into the same consumer, in its own build folder, and runs it.
#
# Environment: XBARSIM_SOURCE_DIR, XBARSIM_BUILD_DIR, CMAKE, GENERATOR, BUILD_TYPE, CC, CXX,
# C_LAUNCHER, CXX_LAUNCHER (may be empty), BINDIR, DATADIR (install folders relative to the
# prefix), PYTHONDIR, WITH_PYTHON (1: the build has the Python module), MPI, NATIVE, WERROR.
# Everything happens in a mktemp folder, removed at exit.
set -euo pipefail
mode=${1:-}
for v in XBARSIM_SOURCE_DIR XBARSIM_BUILD_DIR CMAKE GENERATOR BUILD_TYPE CC CXX BINDIR DATADIR \
         PYTHONDIR WITH_PYTHON MPI NATIVE WERROR; do
  [ -n "${!v:-}" ] || { echo "run_install_test.sh: $v is not set" >&2; exit 2; }
done
here=$(cd "$(dirname "$0")" && pwd)
# Canonical, as the binaries report the paths they locate themselves at.
work=$(realpath "$(mktemp -d "${TMPDIR:-/tmp}/xbarsim-install-test.XXXXXX")")
trap 'rm -rf "$work"' EXIT
start=$(date +%s%N)

step() {
  local ds=$((($(date +%s%N) - start) / 100000000))
  printf '[%4d.%d s] %s\n' $((ds / 10)) $((ds % 10)) "$*"
}
fail() { echo "run_install_test.sh ($mode): FAIL: $*" >&2; exit 1; }
# Runs a command quietly, printing its output only when it fails.
quiet() {
  local out=$work/last.log
  "$@" >"$out" 2>&1 || { cat "$out" >&2; fail "command failed: $*"; }
}
expect_in() {  # expect_in TEXT PART WHAT
  [[ $1 == *"$2"* ]] || fail "$3: expected \"$2\" in:"$'\n'"$1"
}

# The settings of the outer build, for the builds this test makes.
configure_args=(-G "$GENERATOR" -DCMAKE_BUILD_TYPE="$BUILD_TYPE" -DCMAKE_C_COMPILER="$CC"
                -DCMAKE_CXX_COMPILER="$CXX")
[ -n "${C_LAUNCHER:-}" ] && configure_args+=(-DCMAKE_C_COMPILER_LAUNCHER="$C_LAUNCHER")
[ -n "${CXX_LAUNCHER:-}" ] && configure_args+=(-DCMAKE_CXX_COMPILER_LAUNCHER="$CXX_LAUNCHER")

# An xbarsim run that reports the architecture file it resolved from the data folder, from a
# folder that is neither the source nor the build tree. Sets `out`, `err` and `status`.
run_xbarsim() {  # run_xbarsim BINARY MODEL [env assignments...]
  local binary=$1 model=$2
  shift 2
  status=0
  out=$(cd "$work/elsewhere" && env -u XBARSIM_DATA_DIR "$@" "$binary" energy reram \
        --model "$model" 2>"$work/stderr") || status=$?
  err=$(cat "$work/stderr")
}

# Loads a module of the consumer project into Python (the interpreter is the main program)
# through a path relative to the folder it runs in, changes folder, then asks the module for
# its data folder; fails unless it is EXPECTED.
check_module() {  # check_module MODULE EXPECTED WHAT
  local rel found
  rel=$(realpath --relative-to="$work/elsewhere" "$1")
  found=$(cd "$work/elsewhere" && env -u XBARSIM_DATA_DIR /usr/bin/python3 -c '
import ctypes, os, sys
lib = ctypes.CDLL(sys.argv[1])
os.chdir("/")
data_dir = lib.xbarsim_consumer_data_dir
data_dir.restype = ctypes.c_char_p
print(data_dir().decode())' "$rel") || fail "$3: loading $1 into Python"
  [ "$found" = "$2" ] || fail "$3: the module found the data folder '$found', expected '$2'"
}

package() {
  case $DATADIR in /*) fail "DATADIR ($DATADIR) must be relative to the prefix for this test";; esac
  local prefix=$work/prefix
  local data=$prefix/$DATADIR
  mkdir -p "$work/elsewhere"

  step "cmake --install $XBARSIM_BUILD_DIR --prefix $prefix"
  quiet "$CMAKE" --install "$XBARSIM_BUILD_DIR" --prefix "$prefix"
  for f in "$BINDIR/xbarsim" include/xbarsim/version.hpp include/xbarsim/engine/analog_matrix.hpp \
           "$DATADIR/arch/reram.yaml" "$DATADIR/arch/ideal.yaml" "$DATADIR/arch/digital/int8_ws.yaml" \
           "$DATADIR/cards/circuits/adc/isaac_sar_8b.yaml" "$DATADIR/workloads/resnet18.yaml" \
           "$DATADIR/models/fmnist_cnn.h5" "$DATADIR/validation/isaac/design.yaml"; do
    [ -f "$prefix/$f" ] || fail "$prefix/$f was not installed"
  done
  [ -n "$(find "$prefix" -name 'libxbarsim_core.a')" ] || fail "libxbarsim_core.a was not installed"
  [ -n "$(find "$prefix" -name xbarsimConfig.cmake)" ] || fail "xbarsimConfig.cmake was not installed"
  [ -z "$(find "$data" -name '*.py')" ] || fail "the data's Python scripts were installed"
  # The binary must find its data by its own location, not by a path compiled in.
  if grep -q -a -F "$XBARSIM_SOURCE_DIR/data" "$prefix/$BINDIR/xbarsim"; then
    fail "$prefix/$BINDIR/xbarsim contains the source data path $XBARSIM_SOURCE_DIR/data"
  fi

  step "installed xbarsim from another folder, without XBARSIM_DATA_DIR: the installed data"
  run_xbarsim "$prefix/$BINDIR/xbarsim" "$data/models/fmnist_cnn.h5"
  [ "$status" -eq 0 ] || fail "xbarsim energy exited $status: $err"
  expect_in "$out" "in-memory: reram ($data/arch/reram.yaml)" "installed xbarsim"
  local v_status=0
  (cd "$work/elsewhere" && env -u XBARSIM_DATA_DIR "$prefix/$BINDIR/xbarsim" validate \
     >"$work/validate.log" 2>&1) || v_status=$?
  [ "$v_status" -eq 0 ] || { cat "$work/validate.log" >&2; fail "xbarsim validate exited $v_status"; }

  step "XBARSIM_DATA_DIR overrides"
  cp -r "$data" "$work/other-data"
  run_xbarsim "$prefix/$BINDIR/xbarsim" "$data/models/fmnist_cnn.h5" \
    XBARSIM_DATA_DIR="$work/other-data"
  [ "$status" -eq 0 ] || fail "xbarsim energy with XBARSIM_DATA_DIR exited $status: $err"
  expect_in "$out" "in-memory: reram ($work/other-data/arch/reram.yaml)" "XBARSIM_DATA_DIR"
  run_xbarsim "$prefix/$BINDIR/xbarsim" "$data/models/fmnist_cnn.h5" \
    XBARSIM_DATA_DIR="$work/nowhere"
  [ "$status" -eq 2 ] || fail "a wrong XBARSIM_DATA_DIR: exit $status, expected 2"
  expect_in "$err" "\$XBARSIM_DATA_DIR = $work/nowhere: not a folder" "a wrong XBARSIM_DATA_DIR"

  step "a lone copy of the binary: an error naming every place looked"
  mkdir -p "$work/lone"
  cp "$prefix/$BINDIR/xbarsim" "$work/lone/xbarsim"
  local rel
  rel=$(realpath -m --relative-to="$prefix/$BINDIR" "$data")
  run_xbarsim "$work/lone/xbarsim" "$data/models/fmnist_cnn.h5"
  [ "$status" -eq 2 ] || fail "a lone binary: exit $status, expected 2"
  expect_in "$err" "xbarsim data folder: not found; looked in:" "a lone binary"
  expect_in "$err" "\$XBARSIM_DATA_DIR: not set" "a lone binary"
  expect_in "$err" "$work/lone/xbarsim.xbarsim-data-dir (build tree marker): absent" "a lone binary"
  expect_in "$err" "$(realpath -m "$work/lone/$rel") (installed layout" "a lone binary"

  step "consumer project: find_package(xbarsim CONFIG), configure and build"
  quiet "$CMAKE" -S "$here/consumer" -B "$work/consumer-build" "${configure_args[@]}" \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_INSTALL_PREFIX="$prefix"
  quiet "$CMAKE" --build "$work/consumer-build" -j2
  step "consumer in its build tree (marker naming the installed data)"
  (cd "$work/elsewhere" && "$work/consumer-build/xbarsim_consumer" "$data") ||
    fail "the consumer in its build tree"
  check_module "$work/consumer-build/libxbarsim_consumer_module.so" "$data" \
    "the consumer's module in its build tree"
  quiet "$CMAKE" --install "$work/consumer-build"
  local installed_consumer installed_module
  installed_consumer=$(find "$prefix" -type f -name xbarsim_consumer)
  installed_module=$(find "$prefix" -type f -name libxbarsim_consumer_module.so)
  [ -n "$installed_consumer" ] && [ -n "$installed_module" ] || fail "the consumer was not installed"
  step "consumer installed (${installed_consumer#"$prefix"/}, ${installed_module#"$prefix"/}:" \
       "their own relative data paths)"
  (cd "$work/elsewhere" && env -u XBARSIM_DATA_DIR "$installed_consumer" "$data") ||
    fail "the installed consumer"
  check_module "$installed_module" "$data" "the consumer's installed module"

  if [ "$WITH_PYTHON" = 1 ]; then
    step "Python module from the prefix"
    (cd "$work/elsewhere" && env -u XBARSIM_DATA_DIR PYTHONPATH="$prefix/$PYTHONDIR" \
       PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 "$here/check_python_module.py" \
       "$prefix/$PYTHONDIR" "$data") || fail "the Python module from the prefix"
  else
    step "Python module: not in this build (no target xbarsim_python), skipped"
  fi

  step "the whole prefix moved: binaries follow it"
  local moved=$work/moved
  mv "$prefix" "$moved"
  run_xbarsim "$moved/$BINDIR/xbarsim" "$moved/$DATADIR/models/fmnist_cnn.h5"
  [ "$status" -eq 0 ] || fail "xbarsim energy in the moved prefix exited $status: $err"
  expect_in "$out" "in-memory: reram ($moved/$DATADIR/arch/reram.yaml)" "moved prefix"
  (cd "$work/elsewhere" && env -u XBARSIM_DATA_DIR "${installed_consumer/#$prefix/$moved}" \
     "$moved/$DATADIR") || fail "the installed consumer in the moved prefix"
  check_module "${installed_module/#$prefix/$moved}" "$moved/$DATADIR" \
    "the consumer's module in the moved prefix"
  if [ "$WITH_PYTHON" = 1 ]; then
    (cd "$work/elsewhere" && env -u XBARSIM_DATA_DIR PYTHONPATH="$moved/$PYTHONDIR" \
       PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 "$here/check_python_module.py" \
       "$moved/$PYTHONDIR" "$moved/$DATADIR") || fail "the Python module in the moved prefix"
  fi
}

subdirectory() {
  local build=$work/subdirectory-build
  mkdir -p "$work/elsewhere"
  step "project adding $XBARSIM_SOURCE_DIR with add_subdirectory: configure"
  quiet "$CMAKE" -S "$here/subdirectory" -B "$build" "${configure_args[@]}" \
    -DXBARSIM_SOURCE_DIR="$XBARSIM_SOURCE_DIR" -DXBARSIM_MPI="$MPI" -DXBARSIM_NATIVE="$NATIVE" \
    -DXBARSIM_WERROR="$WERROR"
  # xbarsim's binary folder is the parent's build/xbarsim: its generated header must be there,
  # and as a subproject it defines no tests.
  [ -f "$build/xbarsim/generated/xbarsim/version.hpp" ] ||
    fail "version.hpp is not in the subproject's binary folder $build/xbarsim/generated"
  [ ! -e "$build/xbarsim/tests" ] || fail "the subproject added its tests"
  step "build the consumer and the libraries it links"
  quiet "$CMAKE" --build "$build" -j2 --target xbarsim_consumer
  step "consumer (marker naming the source tree's data)"
  (cd "$work/elsewhere" && env -u XBARSIM_DATA_DIR "$build/xbarsim_consumer" \
     "$XBARSIM_SOURCE_DIR/data") || fail "the subdirectory consumer"
}

case $mode in
  package) package ;;
  subdirectory) subdirectory ;;
  *) echo "usage: run_install_test.sh package|subdirectory" >&2; exit 2 ;;
esac
step "passed"
