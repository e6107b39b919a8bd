// ONNX models (docs/onnx.md): converted by data/models/onnx_import.py, the one writer of the
// model format that the PyTorch exporter also uses, into a private temporary folder, then read
// like any model file. The converter runs as a child process with an argument vector (no shell,
// so no path is ever parsed as shell syntax); its one-line error becomes this error.
#include "xbarsim/nn/onnx_conversion.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "xbarsim/config/data_dir.hpp"
#include "xbarsim/core/error.hpp"

extern char** environ;

namespace xbarsim {

namespace {

namespace fs = std::filesystem;

// Removes the conversion's folder on every way out.
struct TempFolder {
  fs::path path;
  ~TempFolder() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

std::string read_all(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

}  // namespace

bool is_onnx_path(const std::string& path) {
  const std::string ext = fs::path(path).extension().string();
  std::string lower;
  for (char c : ext) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == ".onnx";
}

std::string onnx_python() {
  const char* env = std::getenv("XBARSIM_PYTHON");
  if (env && *env) return env;
  // Debian's python3-onnx, -numpy and -h5py are modules of the system interpreter; a python3
  // found first on the PATH (a virtual environment) may lack them.
  constexpr const char* kSystemPython = "/usr/bin/python3";
  if (access(kSystemPython, X_OK) == 0) return kSystemPython;
  return "python3";
}

Network load_onnx_network(const std::string& path, const OnnxLoader& load_converted) {
  if (!fs::is_regular_file(path)) throw IoError(path, "model file not found");
  const std::string script = (fs::path(data_dir()) / "models" / "onnx_import.py").string();
  if (!fs::is_regular_file(script))
    throw IoError(path, "the ONNX converter " + script + " is missing from the data folder");
  std::string pattern = (fs::temp_directory_path() / "xbarsim-onnx-XXXXXX").string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (!mkdtemp(buffer.data()))
    throw IoError(path, "cannot create a temporary folder for the ONNX conversion in " +
                            fs::temp_directory_path().string());
  TempFolder folder{fs::path(buffer.data())};
  const fs::path out = folder.path / "model.h5";
  const fs::path log = folder.path / "converter.log";
  const std::string python = onnx_python();
  const std::string name = fs::path(path).stem().string();
  std::vector<std::string> args = {python, script, path, out.string(), "--name", name};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, python.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  const std::string needs =
      "converting an ONNX model needs Python 3 with python3-onnx, python3-numpy and "
      "python3-h5py (set XBARSIM_PYTHON to choose the interpreter; docs/onnx.md)";
  if (spawned != 0) throw IoError(path, "cannot run '" + python + "': " + needs);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) throw IoError(path, "lost the ONNX converter process");
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  const std::string said = read_all(log);
  if (code == 2) {
    // The converter's own one-line error names the file, the node, the operator and the opset.
    const std::string prefix = "onnx_import.py: error: ";
    const std::size_t at = said.rfind(prefix);
    const std::string line = at == std::string::npos ? said : said.substr(at + prefix.size());
    throw IoError(path, "cannot be converted: " + line);
  }
  if (code != 0 || !fs::is_regular_file(out))
    throw IoError(path, needs + "; the converter (" + python + " " + script + ") exited with " +
                            std::to_string(code) + (said.empty() ? "" : ": " + said));
  Network net = load_converted(out.string());
  net.file = path;
  return net;
}

}  // namespace xbarsim
