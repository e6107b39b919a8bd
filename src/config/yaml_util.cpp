#include "xbarsim/config/yaml_util.hpp"

#include <filesystem>
#include <regex>
#include <sstream>

#include "xbarsim/core/error.hpp"
#include "xbarsim/core/strings.hpp"

namespace xbarsim {

YAML::Node load_yaml_file(const std::string& path) {
  if (!std::filesystem::is_regular_file(path))
    throw ConfigError(path, "", "file not found (or not a regular file)");
  try {
    return YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    throw ConfigError(path, "",
                      "malformed YAML at line " + std::to_string(e.mark.line + 1) + ", column " +
                          std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

void check_keys(const YAML::Node& node, std::initializer_list<const char*> allowed,
                const std::string& file, const std::string& prefix) {
  if (!node.IsMap()) return;
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    bool ok = false;
    for (const char* a : allowed) ok = ok || key == a;
    if (!ok) {
      std::string list;
      for (const char* a : allowed) append_item(list, std::string(a), ", ");
      throw ConfigError(file, prefix.empty() ? key : prefix + "." + key,
                        "unknown key; expected one of: " + list);
    }
  }
}

YAML::Node to_yaml(const ParamValue& value) {
  return std::visit([](const auto& v) { return YAML::Node(v); }, value);
}

namespace {
void emit_json(const YAML::Node& n, std::ostringstream& out) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      out << '{';
      bool first = true;
      for (const auto& kv : n) {
        if (!first) out << ',';
        first = false;
        emit_json(kv.first, out);
        out << ':';
        emit_json(kv.second, out);
      }
      out << '}';
      break;
    }
    case YAML::NodeType::Sequence: {
      out << '[';
      for (std::size_t i = 0; i < n.size(); ++i) {
        if (i) out << ',';
        emit_json(n[i], out);
      }
      out << ']';
      break;
    }
    case YAML::NodeType::Scalar: {
      const std::string& s = n.Scalar();
      double d;
      bool b;
      // Only text that is already a JSON number goes out unquoted (YAML also reads .5, 1.,
      // +1 and 010 as numbers, which JSON does not).
      static const std::regex json_number(R"(-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?)");
      if (n.Tag() != "!" && YAML::convert<double>::decode(n, d) && std::isfinite(d) &&
          std::regex_match(s, json_number)) {
        out << s;
      } else if (n.Tag() != "!" && YAML::convert<bool>::decode(n, b)) {
        out << (b ? "true" : "false");
      } else {
        out << '"';
        for (char c : s) {
          if (c == '"' || c == '\\')
            out << '\\' << c;
          else if (c == '\n')
            out << "\\n";
          else if (static_cast<unsigned char>(c) < 0x20)
            out << ' ';
          else
            out << c;
        }
        out << '"';
      }
      break;
    }
    default:
      out << "null";
  }
}
}  // namespace

std::string yaml_to_json(const YAML::Node& node) {
  std::ostringstream out;
  emit_json(node, out);
  return out.str();
}

}  // namespace xbarsim
