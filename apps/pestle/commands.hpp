#pragma once
// The sub-commands of the pestle tool, one translation unit each (cmd_<name>.cpp), so that a
// command that only loads a model never compiles the fitting code, and the commands compile in parallel.
#include "cli.hpp"

namespace pestle::cli {

int run_activeset(const Args& args);
int run_convert(const Args& args);
int run_cv(const Args& args);
int run_describe(const Args& args);
int run_errors(const Args& args);
int run_export(const Args& args);
int run_fit(const Args& args);
int run_generate(const Args& args);
int run_hull(const Args& args);
int run_info(const Args& args);
int run_optimise(const Args& args);
int run_predict(const Args& args);
int run_rss(const Args& args);
int run_survive(const Args& args);
int run_validate(const Args& args);

}  // namespace pestle::cli
