#pragma once
// Labellers: turn structures into labelled frames (energy, forces, stress) for fitting.
//   reference_labeller(calc)      any pestle Calculator (SW, Tersoff, EAM, LJ, a fitted model)
//   command_labeller(options)     an external program (a DFT code behind a script): pestle writes
//                                 in.xyz, runs the command (with a timeout) and reads out.xyz back;
//                                 a failed calculation is retried `retries` times, and with a
//                                 `scheduler` the command is submitted to a batch queue and polled
//   label_structures(...)         labels many structures in parallel, with an on-disk cache
// A label is kept only when it is complete and finite; a crash, a timeout, a non-zero exit, an
// output frame marked converged=F or a NaN becomes a recorded failure and the structure is skipped.
// Every outcome (failures included, so a hanging calculation is not retried forever) is cached in
// CACHE_DIR/<md5>.xyz or <md5>.failed, keyed by the labeller's id and the structure's
// extended-XYZ text, so a restarted search never labels the same structure twice.
#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pestle/core/dataset.hpp"
#include "pestle/core/error.hpp"
#include "pestle/data/extxyz.hpp"
#include "pestle/formats/md5.hpp"
#include "pestle/reference/calculator.hpp"
#include "pestle/runtime/calculator.hpp"

namespace pestle::explore {

/// Labels one structure (throws any pestle::Error on failure); `work` is a scratch directory
/// of its own.
using LabelFunction = std::function<Labels(const Structure&, const std::filesystem::path& work)>;

struct Labeller {
  std::string id;            ///< names the labeller in the cache key: change it and labels are recomputed
  std::size_t parallel = 1;  ///< structures labelled at the same time
  LabelFunction label;
  std::vector<int> species;  ///< elements it can label (a reference potential's); empty = any (a command)
};

/// The outcome for one structure: a labelled frame, or the reason it has none.
struct LabelOutcome {
  std::optional<Frame> frame;
  std::string error;
  bool cached = false;
};

struct LabelCounts {
  std::size_t computed = 0, cached = 0, failed = 0;
};

namespace detail::label {

/// InputError unless the labels are complete (energy, one force per atom) and finite.
inline void check_labels(const Structure& s, const Labels& l) {
  if (!l.energy) throw NumericalError("no energy in the result");
  if (!std::isfinite(*l.energy)) throw NumericalError("the energy is not finite");
  if (!l.forces || l.forces->size() != s.size())
    throw NumericalError("the result has no forces for every atom");
  for (const Vec3& f : *l.forces)
    if (!f.allFinite()) throw NumericalError("a force is not finite");
  if (l.stress && !l.stress->allFinite()) throw NumericalError("the stress is not finite");
  if (l.virial && !l.virial->allFinite()) throw NumericalError("the virial is not finite");
}

/// Extended-XYZ text of the bare structure (no labels): the cache key's content.
inline std::string structure_text(const Structure& s) {
  Frame f;
  f.structure = s;
  return to_extxyz(f);
}

inline void write_atomically(const std::filesystem::path& path, const std::string& text) {
  const std::filesystem::path tmp = path.string() + ".tmp" + std::to_string(::getpid()) + "_" +
                                    std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id()));
  {
    std::ofstream out(tmp, std::ios::binary);
    out << text;
    if (!out) throw Error("cannot write '" + tmp.string() + "'");
  }
  std::filesystem::rename(tmp, path);  // atomic on POSIX: a reader never sees half a file
}

inline std::string read_text(const std::filesystem::path& p, std::size_t max_bytes = 1 << 20) {
  std::ifstream in(p, std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (s.size() > max_bytes) s = s.substr(s.size() - max_bytes);
  return s;
}

/// The last `n` lines of a text (for error messages from a failed command).
inline std::string tail_lines(const std::string& text, std::size_t n) {
  std::size_t start = text.size();
  while (start > 0 && text[start - 1] == '\n') --start;  // ignore trailing newlines
  for (std::size_t k = 0; k < n && start > 0; ++k) {
    const std::size_t nl = text.rfind('\n', start - 1);
    start = nl == std::string::npos ? 0 : nl;
  }
  return text.substr(start == 0 ? 0 : start + 1);
}

}  // namespace detail::label

/// Cache key of a structure under a labeller: md5 of the labeller id and the structure's text.
inline std::string label_key(const std::string& labeller_id, const Structure& s) {
  return io::md5_hex(labeller_id + "\n" + detail::label::structure_text(s));
}

/// A labeller that evaluates a Calculator (energy, forces, and stress of periodic cells).
template <Calculator C>
Labeller reference_labeller(C calc, std::string id, std::size_t parallel = 1) {
  Labeller l;
  l.id = std::move(id);
  l.parallel = parallel;
  l.label = [calc = std::move(calc)](const Structure& s, const std::filesystem::path&) {
    const PotentialResult r = calc.compute(s);
    Labels out;
    out.energy = r.energy;
    out.forces = r.forces;
    if (r.stress) out.stress = *r.stress;
    return out;
  };
  return l;
}

/// The same for a model loaded at run time (runtime/load.hpp), shared by the labeller's copies.
inline Labeller reference_labeller(runtime::CalculatorPtr calc, std::string id, std::size_t parallel = 1) {
  struct Shared {
    runtime::CalculatorPtr p;
    PotentialResult compute(const Structure& s) const { return p->compute(s); }
    double cutoff() const { return p->cutoff(); }
  };
  return reference_labeller(Shared{std::move(calc)}, std::move(id), parallel);
}

/// A batch scheduler in front of the command (Slurm, PBS, or a local stand-in): pestle writes the
/// command into WORK/job.sh, runs `submit`, takes the job id from its output, and waits until job.sh
/// has written WORK/exit_status. `poll` tells a job that is still queued or running (exit status 0
/// and some output, as `squeue -h -j ID` or `qstat ID` give) from one that left the queue; a job that
/// left without writing exit_status failed (killed, out of time, node lost). The scratch directory
/// must be visible to the compute nodes (a shared file system, as on any cluster).
struct SchedulerOptions {
  std::string submit;        ///< e.g. "sbatch --parsable {job_script}"; {job_script}, {work_dir} substituted
  std::string poll;          ///< e.g. "squeue -h -j {job_id}"; {job_id} substituted
  std::string cancel;        ///< e.g. "scancel {job_id}", run on a timeout (optional)
  double poll_seconds = 30;  ///< between two polls (exit_status itself is looked for every second)
};

struct CommandLabellerOptions {
  /// Shell command run in the structure's scratch directory; "{input}" and "{output}" become
  /// in.xyz and out.xyz (appended as two arguments when the command names neither). A labeller with
  /// MPI runs it as "mpirun -np 4 python3 script.py {input} {output}".
  std::string command;
  double timeout_seconds = 3600.0;  ///< the command's process group is killed after this long
  std::size_t processes = 1;        ///< commands (or scheduler jobs) running at the same time
  std::size_t retries = 0;          ///< a failed calculation is run again this many times before it is recorded
  std::string id;                   ///< cache id; defaults to the command text
  std::optional<SchedulerOptions> scheduler;  ///< submit through a batch scheduler instead of running here
};

namespace detail::label {

/// Runs `command` with /bin/sh in `dir`, stdout and stderr to dir/`log_name`; returns the exit status
/// text ("" on success). The child leads its own process group, so a timeout kills the whole tree.
inline std::string run_command(const std::string& command, const std::filesystem::path& dir, double timeout_seconds,
                               const std::string& log_name = "log.txt") {
  const std::string dir_s = dir.string(), log_s = (dir / log_name).string();
  const pid_t pid = ::fork();
  if (pid < 0) return "fork failed";
  if (pid == 0) {
    // Child: only async-signal-safe calls between fork and exec.
    ::setpgid(0, 0);
    if (::chdir(dir_s.c_str()) != 0) ::_exit(126);
    const int fd = ::open(log_s.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also from the parent, so the group exists before any kill
  const auto start = std::chrono::steady_clock::now();
  int status = 0;
  for (;;) {
    const pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0) return "waitpid failed";
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (elapsed > timeout_seconds) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return "timed out after " + std::to_string(timeout_seconds) + " s (killed)";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "ended abnormally";
}

inline std::string replace_all(std::string text, const std::string& key, const std::string& value) {
  for (std::size_t pos = 0; (pos = text.find(key, pos)) != std::string::npos; pos += value.size())
    text.replace(pos, key.size(), value);
  return text;
}

inline std::string substitute(std::string command) {
  const bool named = command.find("{input}") != std::string::npos || command.find("{output}") != std::string::npos;
  if (!named) return command + " in.xyz out.xyz";
  return replace_all(replace_all(std::move(command), "{input}", "in.xyz"), "{output}", "out.xyz");
}

/// A path in single quotes for /bin/sh.
inline std::string shell_quoted(const std::string& path) { return "'" + replace_all(path, "'", "'\\''") + "'"; }

/// The job id in a submit command's output: its last word, up to a ';' (sbatch --parsable prints
/// "ID;cluster", qsub "ID.server", plain sbatch "Submitted batch job ID").
inline std::string job_id_of(const std::string& output) {
  std::istringstream words(output);
  std::string id;
  for (std::string w; words >> w;) id = w;
  return id.substr(0, id.find(';'));
}

inline bool blank(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c); });
}

/// Runs `command` through the scheduler: job.sh in `work` runs it and writes exit_status; returns
/// the status text as run_command does ("" when the job ran the command with exit status 0).
inline std::string run_scheduled(const SchedulerOptions& sched, const std::string& command,
                                 const std::filesystem::path& work, double timeout_seconds) {
  namespace fs = std::filesystem;
  using clock = std::chrono::steady_clock;
  const fs::path script = fs::absolute(work / "job.sh"), status_file = work / "exit_status";
  fs::remove(status_file);
  write_atomically(script, "#!/bin/sh\n# written by pestle's command labeller: runs one calculation\ncd " +
                               shell_quoted(fs::absolute(work).string()) + " || exit 1\n(" + command +
                               ") > log.txt 2>&1\necho $? > exit_status.tmp && mv exit_status.tmp exit_status\n");
  const std::string submit = replace_all(replace_all(sched.submit, "{job_script}", shell_quoted(script.string())),
                                         "{work_dir}", shell_quoted(fs::absolute(work).string()));
  if (const std::string s = run_command(submit, work, 300.0, "submit.txt"); !s.empty())
    return "could not be submitted ('" + submit + "' " + s + "): " + tail_lines(read_text(work / "submit.txt"), 3);
  const std::string job = job_id_of(read_text(work / "submit.txt"));
  if (job.empty()) return "could not be submitted: '" + submit + "' printed no job id";
  const std::string poll = replace_all(sched.poll, "{job_id}", job);
  const auto start = clock::now();
  auto since = [](clock::time_point t) { return std::chrono::duration<double>(clock::now() - t).count(); };
  auto last_poll = start;
  for (bool gone_once = false;;) {
    if (fs::exists(status_file)) {
      const int status = std::atoi(read_text(status_file).c_str());
      return status == 0 ? "" : "ran as job " + job + " and exited with status " + std::to_string(status);
    }
    if (since(start) > timeout_seconds) {
      if (!sched.cancel.empty()) run_command(replace_all(sched.cancel, "{job_id}", job), work, 60.0, "cancel.txt");
      return "timed out after " + std::to_string(timeout_seconds) + " s as job " + job +
             (sched.cancel.empty() ? std::string(" (no cancel command: the job may still run)") : std::string(" (cancelled)"));
    }
    if (since(last_poll) >= sched.poll_seconds) {
      last_poll = clock::now();
      const bool queued = run_command(poll, work, 120.0, "poll.txt").empty() && !blank(read_text(work / "poll.txt"));
      // A job leaves the queue a moment before its file appears on a network file system: it must be
      // reported gone twice, one poll apart, before it counts as lost.
      if (!queued && gone_once) return "job " + job + " left the queue without finishing (see '" + poll + "')";
      gone_once = !queued;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(1000, std::max(10, int(sched.poll_seconds * 1000)))));
  }
}

}  // namespace detail::label

/// A labeller running an external command on each structure (in its own scratch directory).
/// The output file must hold one frame with the same atoms, an energy and forces (stress
/// optional); an info key converged=F marks an unconverged calculation.
inline Labeller command_labeller(const CommandLabellerOptions& o) {
  if (o.command.empty()) throw InputError("command labeller: the command is empty");
  if (!(o.timeout_seconds > 0.0)) throw InputError("command labeller: timeout must be positive");
  if (o.scheduler) {
    if (o.scheduler->submit.empty() || o.scheduler->poll.empty())
      throw InputError("command labeller: a scheduler needs \"submit\" and \"poll\" commands");
    if (!(o.scheduler->poll_seconds > 0.0)) throw InputError("command labeller: \"poll_seconds\" must be positive");
  }
  Labeller l;
  l.id = o.id.empty() ? "command:" + o.command : o.id;
  l.parallel = std::max<std::size_t>(1, o.processes);
  const std::string command = detail::label::substitute(o.command);
  const double timeout = o.timeout_seconds;
  const std::size_t attempts = o.retries + 1;
  const std::optional<SchedulerOptions> scheduler = o.scheduler;
  auto run_once = [command, timeout, scheduler](const Structure& s, const std::filesystem::path& work) {
    using namespace detail::label;
    std::filesystem::remove_all(work);  // a retry starts from an empty scratch directory
    std::filesystem::create_directories(work);
    write_atomically(work / "in.xyz", structure_text(s));
    const std::string status = scheduler ? run_scheduled(*scheduler, command, work, timeout) : run_command(command, work, timeout);
    if (!status.empty())
      throw Error("'" + command + "' " + status + "; last output: " + tail_lines(read_text(work / "log.txt"), 5));
    if (!std::filesystem::exists(work / "out.xyz")) throw Error("'" + command + "' wrote no out.xyz");
    Dataset d = read_extxyz((work / "out.xyz").string());
    if (d.size() != 1) throw Error("out.xyz holds " + std::to_string(d.size()) + " frames, expected 1");
    Frame& f = d[0];
    if (f.structure.numbers != s.numbers) throw Error("out.xyz holds different atoms than in.xyz");
    if (const InfoValue* c = f.labels.info.find("converged"))
      if (const bool* b = std::get_if<bool>(c); b && !*b) throw NumericalError("the calculation did not converge");
    Labels out = f.labels;
    out.info = Info{};
    out.config_type.clear();
    out.weight = 1.0;
    detail::label::check_labels(s, out);  // a NaN is a failure worth retrying too
    return out;
  };
  l.label = [run_once, attempts](const Structure& s, const std::filesystem::path& work) {
    // A calculation that failed (SCF not converged, a node lost, a crash) is tried again in a fresh
    // directory; the last attempt's error is the one recorded, with the count of attempts.
    for (std::size_t a = 1;; ++a) {
      try {
        return run_once(s, work);
      } catch (const std::exception& e) {
        if (a >= attempts) {
          if (attempts == 1) throw;
          throw Error(std::string(e.what()) + " (" + std::to_string(attempts) + " attempts)");
        }
      }
    }
  };
  return l;
}

/// Labels every structure, `labeller.parallel` at a time, through the cache in `cache_dir`
/// (created if needed; scratch directories go to cache_dir/work/<key>). Outcomes come back in
/// input order; progress(done, total) is called after each structure (from worker threads, serialised).
inline std::vector<LabelOutcome> label_structures(const Labeller& labeller, const std::vector<Structure>& structures,
                                                  const std::filesystem::path& cache_dir, LabelCounts* counts = nullptr,
                                                  const std::function<void(std::size_t, std::size_t)>& progress = {}) {
  namespace fs = std::filesystem;
  using namespace detail::label;
  fs::create_directories(cache_dir);
  std::vector<LabelOutcome> out(structures.size());
  std::atomic<std::size_t> next{0};
  std::mutex report;
  std::size_t done = 0;
  LabelCounts local;
  auto work = [&] {
    for (std::size_t k; (k = next.fetch_add(1)) < structures.size();) {
      const Structure& s = structures[k];
      const std::string key = label_key(labeller.id, s);
      const fs::path ok_file = cache_dir / (key + ".xyz"), failed_file = cache_dir / (key + ".failed");
      LabelOutcome& o = out[k];
      bool computed = false;
      if (fs::exists(ok_file)) {
        try {
          o.frame = read_extxyz_frame(ok_file.string(), 0);
        } catch (const std::exception& e) {
          o.error = std::string("unreadable cache file: ") + e.what();
        }
        o.cached = true;
      } else if (fs::exists(failed_file)) {
        o.error = read_text(failed_file);
        o.cached = true;
      } else {
        computed = true;
        try {
          Frame f;
          f.structure = s;
          f.labels = labeller.label(s, cache_dir / "work" / key);
          check_labels(s, f.labels);
          o.frame = std::move(f);
          write_atomically(ok_file, to_extxyz(*o.frame));
          fs::remove_all(cache_dir / "work" / key);
        } catch (const std::exception& e) {
          o.frame.reset();
          o.error = e.what();
          write_atomically(failed_file, o.error);
        }
      }
      std::lock_guard lock(report);
      if (!o.frame) ++local.failed;
      else if (computed) ++local.computed;
      else ++local.cached;
      ++done;
      if (progress) progress(done, structures.size());
    }
  };
  const std::size_t threads = std::min<std::size_t>(std::max<std::size_t>(1, labeller.parallel), structures.size());
  if (threads <= 1) {
    work();
  } else {
    std::vector<std::thread> pool;
    for (std::size_t t = 0; t < threads; ++t) pool.emplace_back(work);
    for (auto& t : pool) t.join();
  }
  if (counts) *counts = local;
  return out;
}

}  // namespace pestle::explore
