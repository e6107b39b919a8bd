// xbarsim command line. Only main turns errors into messages and exit codes (README.md, "Exit
// codes"): 0 success, 2 bad input (config, files, shapes, arguments), 1 internal error, 3 a
// validation row outside its tolerance (xbarsim validate).
#include <malloc.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "common.hpp"
#include "describe_command.hpp"
#include "energy_command.hpp"
#include "eval_command.hpp"
#include "inspect_command.hpp"
#include "mvm_command.hpp"
#include "optimize_command.hpp"
#include "sweep_command.hpp"
#include "validate_command.hpp"
#include "xbarsim/core/error.hpp"
#include "xbarsim/core/strings.hpp"
#include "xbarsim/version.hpp"

int main(int argc, char** argv) {
  using namespace xbarsim::app;
  // Batches allocate and free large matrices over and over. glibc returns blocks above the
  // mmap threshold to the kernel on free, so every batch would page-fault its memory in
  // again (measured: a third of eval's time on this VM). Keep freed memory for reuse.
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  CLI::App app{"xbarsim: simulator of analog processing-in-memory DNN accelerators"};
  app.set_version_flag(
      "--version", std::string("xbarsim ") + xbarsim::kVersion + " (" + xbarsim::kGitSha1 + ")");
  app.require_subcommand(1);
  // Set before the subcommands exist: each copies these settings when it is added. Every
  // option's --help then shows its default, and the global flags below are accepted after the
  // subcommand too (`xbarsim eval ... --quiet`).
  app.option_defaults()->always_capture_default();
  app.formatter(std::make_shared<HelpFormatter>());
  app.fallthrough();
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return "xbarsim: error: " + std::string(e.what()) + "\nRun with --help for more information.\n";
  });
  bool verbose = false, quiet = false;
  CLI::Option* verbose_flag = app.add_flag(
      "-v,--verbose", verbose, "Also print debug messages on stderr (files resolved, sizes)");
  app.add_flag("-q,--quiet", quiet,
               "Print only errors on stderr: no warnings, no progress (results still on stdout)")
      ->excludes(verbose_flag);
  MvmOptions mvm;
  EvalOptions eval;
  EnergyOptions energy;
  DescribeOptions describe;
  SweepOptions sweep;
  InspectOptions inspect;
  ValidateOptions validate;
  OptimizeCliOptions optimize;
  CLI::App* mvm_cmd = add_mvm_command(app, mvm);
  CLI::App* eval_cmd = add_eval_command(app, eval);
  CLI::App* energy_cmd = add_energy_command(app, energy);
  CLI::App* list_cmd = add_list_command(app, describe);
  CLI::App* describe_cmd = add_describe_command(app, describe);
  CLI::App* sweep_cmd = add_sweep_command(app, sweep);
  CLI::App* inspect_cmd = add_inspect_command(app, inspect);
  CLI::App* validate_cmd = add_validate_command(app, validate);
  CLI::App* optimize_cmd = add_optimize_command(app, optimize);
  std::string command_line;
  for (int i = 0; i < argc; ++i) command_line += (i ? " " : "") + std::string(argv[i]);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11 says only that a subcommand is required or an argument was not expected.
    if (app.get_subcommands().empty()) {
      for (const std::string& word : app.remaining()) {
        if (word.empty() || word[0] == '-') continue;
        std::string names;
        for (const CLI::App* sub : {mvm_cmd, eval_cmd, energy_cmd, list_cmd, describe_cmd,
                                    sweep_cmd, inspect_cmd, validate_cmd, optimize_cmd})
          xbarsim::append_item(names, sub->get_name());
        std::cerr << "xbarsim: error: unknown command '" << word << "'; commands: " << names
                  << "\n";
        return 2;
      }
    }
    app.exit(e);
    return 2;
  }
  setup_logging(quiet ? Verbosity::kQuiet : verbose ? Verbosity::kVerbose : Verbosity::kNormal);
  spdlog::debug("command line: {}", command_line);
  // Errors end the run here, written directly as the parse errors above are (before logging is
  // set up): one form, "xbarsim: error: ...", shown under --quiet too.
  try {
    if (mvm_cmd->parsed()) return run_mvm(mvm, command_line);
    if (eval_cmd->parsed()) return run_eval(eval, command_line);
    if (energy_cmd->parsed()) return run_energy(energy, command_line);
    if (list_cmd->parsed()) return run_list(describe);
    if (describe_cmd->parsed()) return run_describe(describe);
    if (sweep_cmd->parsed()) return run_sweep(sweep, command_line);
    if (inspect_cmd->parsed()) return run_inspect(inspect);
    if (validate_cmd->parsed()) return run_validate(validate, command_line);
    if (optimize_cmd->parsed()) return run_optimize(optimize, command_line);
  } catch (const xbarsim::Error& e) {
    std::cerr << "xbarsim: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "xbarsim: internal error: " << e.what() << "\n";
    return 1;
  }
  return 1;
}
