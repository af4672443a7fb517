#!/usr/bin/env bash
# CPU seconds and peak compiler memory of source files, unity groups or single headers compiled alone,
# with the CLI's flags (docs/architecture.md, "Compiler memory under 2 GB per unit"). One compile at a
# time; run from anywhere.
#   bash benchmarks/unit_memory.sh [SPEC ...]
# SPEC is FILE:OPT[:lean] where FILE is
#   a source file                     (apps/pestle/cmd_rss.cpp:-O3)
#   files joined by '+'               one unity unit of them (tests/test_core.cpp+tests/test_survival.cpp:-O1)
#   header:PATH                       an empty unit that includes one header (header:pestle/validate/report.hpp:-O3)
#   probe:NAME                        Eigen alone (eigen) or one unused inline function building a
#                                     decomposition (bdcsvd, qr_lu, selfadjoint)
# and ':lean' adds GCC's lean collector (pestle_lean_gc). HEADER_ONLY=1 drops the compiled-mode macros
# (a downstream unit on pestle::pestle, e.g. tests/consumer/load_model.cpp:-O3).
# Default: the largest sources at the levels measured.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
modes=(-DPESTLE_COMPILED_FIT -DPESTLE_COMPILED_RUNTIME -DPESTLE_WITH_MPI)
[ -n "${HEADER_ONLY:-}" ] && modes=()
flags=(-DBOOST_ALL_NO_LIB "${modes[@]}" -Iinclude -Itests -isystem /usr/include/eigen3
       -isystem /usr/lib/x86_64-linux-gnu/openmpi/include -isystem /usr/lib/x86_64-linux-gnu/openmpi/include/openmpi
       -DNDEBUG -march=native -std=gnu++20 -w "-DPESTLE_SHARED_DIR=\"$root/../shared\"" "-DPESTLE_TEST_DIR=\"$root/tests\""
       "-DPESTLE_BINARY_DIR=\"/tmp\"")
specs=("$@")
[ ${#specs[@]} -eq 0 ] && specs=(apps/pestle/cmd_validate.cpp:-O3 apps/pestle/cmd_rss.cpp:-O3 apps/pestle/cmd_rss.cpp:-O3:lean
  tests/test_validate.cpp:-O1 src/runtime/compile_dense_solvers.cpp:-O3 src/runtime_fit/compile_rss_loop.cpp:-O3:lean
  header:pestle/validate/report.hpp:-O3 header:pestle/models/extrapolation_grade.hpp:-O3 probe:eigen:-O3 probe:bdcsvd:-O3)
out=$(mktemp -d)
probe_body() {
  case "$1" in
    eigen) echo "" ;;
    bdcsvd) echo "inline Eigen::MatrixXd f(const Eigen::MatrixXd& b) { return Eigen::BDCSVD<Eigen::MatrixXd>(b, Eigen::ComputeThinV).matrixV(); }" ;;
    qr_lu) echo "inline Eigen::MatrixXd f(const Eigen::MatrixXd& b) { return b.colPivHouseholderQr().solve(b) + b.fullPivLu().solve(b); }" ;;
    selfadjoint) echo "inline Eigen::MatrixXd f(const Eigen::MatrixXd& b) { return Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(b).eigenvectors(); }" ;;
    *) echo "unknown probe $1" >&2; exit 2 ;;
  esac
}
for spec in "${specs[@]}"; do
  IFS=: read -r -a part <<< "$spec"
  extra=()
  case "${part[0]}" in
    header) unit="$out/unit.cpp"; printf '#include "%s"\nint main() {}\n' "${part[1]}" > "$unit"; name="${part[1]}"; rest=("${part[@]:2}") ;;
    probe) unit="$out/unit.cpp"; printf '#include <Eigen/Dense>\n%s\nint main() {}\n' "$(probe_body "${part[1]}")" > "$unit"; name="probe ${part[1]}"; rest=("${part[@]:2}") ;;
    *) unit="$out/unit.cpp"; : > "$unit"; IFS=+ read -r -a files <<< "${part[0]}"
       for f in "${files[@]}"; do echo "#include \"$root/$f\"" >> "$unit"; done; name="${part[0]}"; rest=("${part[@]:1}") ;;
  esac
  opt="${rest[0]}"
  if [ "${rest[1]:-}" = lean ]; then extra=(--param=ggc-min-expand=20 --param=ggc-min-heapsize=65536); fi
  /usr/bin/time -f "$name $opt${rest[1]:+ ${rest[1]}} %U CPU s, peak %M KB" g++ "${flags[@]}" "$opt" "${extra[@]}" -c "$unit" -o "$out/unit.o" 2>&1 | tail -1
done
rm -rf "$out"
