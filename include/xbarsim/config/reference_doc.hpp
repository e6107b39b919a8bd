#pragma once
#include <string>

#include "xbarsim/config/registry.hpp"

namespace xbarsim {

// docs/config_reference.md, generated from the registry's declarations.
std::string config_reference_markdown(const Registry& registry);
// The declaration of one model as plain text, for `xbarsim describe`.
std::string describe_model(const ModelSpec& spec);

}  // namespace xbarsim
