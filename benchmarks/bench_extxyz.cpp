// Extended-XYZ throughput on the largest Zuo et al. file (Ni_train.xyz, 5.3 MB, 263 frames).
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>

#include "pestle/data/extxyz.hpp"

namespace {

const std::string& ni_text() {
  static const std::string text = [] {
    std::ifstream in(std::string(PESTLE_SHARED_DIR) + "/data/zuo2020/Ni_train.xyz", std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }();
  return text;
}

void BM_ReadNiTrain(benchmark::State& state) {
  const std::string path = std::string(PESTLE_SHARED_DIR) + "/data/zuo2020/Ni_train.xyz";
  for (auto _ : state) benchmark::DoNotOptimize(pestle::read_extxyz(path));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * ni_text().size()));
}
BENCHMARK(BM_ReadNiTrain)->Unit(benchmark::kMillisecond);

void BM_WriteNiTrain(benchmark::State& state) {
  const pestle::Dataset d = pestle::parse_extxyz(ni_text());
  for (auto _ : state) benchmark::DoNotOptimize(pestle::to_extxyz(d));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * ni_text().size()));
}
BENCHMARK(BM_WriteNiTrain)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
