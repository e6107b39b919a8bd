#pragma once
// Names of shipped data files (an architecture `reram`, a workload `resnet18`) and paths.
#include <string>

namespace xbarsim {

// `name` is a path when it names an existing regular file, holds a '/' or ends in .yaml;
// otherwise it is the name of a shipped file, data_dir()/folder/name.yaml. A folder in the
// working directory that happens to share a shipped name is not a file and hides nothing.
// When neither exists the name comes back unchanged, so that the loader's error names it.
std::string shipped_or_path(const std::string& name, const std::string& folder);

}  // namespace xbarsim
