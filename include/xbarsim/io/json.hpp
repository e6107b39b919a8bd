#pragma once
// JSON for every machine-readable output (--format json, the JSON documents inside HDF5
// files, the Python module's dicts), written by nlohmann-json (docs/result_format.md#json).
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace xbarsim {

// Ordered: fields come out in the order they were set, as a reader of the report expects.
using Json = nlohmann::ordered_json;

// Version of the JSON documents' layout; bumped when a field changes meaning or goes away.
inline constexpr std::int64_t kJsonSchemaVersion = 1;

// The document as text. JSON (RFC 8259) has no infinity or NaN: a non-finite number is written
// as null, the one rule for every output (the docs name the fields that can be non-finite).
std::string dump_json(const Json& document, int indent = -1);

// A YAML tree as JSON. Quoted scalars stay strings; plain scalars follow the YAML 1.2 core
// schema: true/false, null/~, integers and floats (with .inf and .nan) become those types and
// everything else, `on` and `yes` included, stays a string.
Json yaml_to_json(const YAML::Node& node);

// The provenance fields every result carries, the same as the root attributes of an HDF5
// result (schema_version, xbarsim_version, git_sha1, command_line, master_seed,
// date_and_time_utc, host).
struct Provenance {
  std::int64_t schema_version = 0;
  std::string xbarsim_version, git_sha1, command_line;
  std::uint64_t master_seed = 0;
  std::string date_and_time_utc, host;
};
Provenance make_provenance(const std::string& command_line, std::uint64_t master_seed,
                           std::int64_t schema_version);
// {"schema_version": kJsonSchemaVersion, "provenance": {...}} to start a document with.
Json json_document(const std::string& command_line, std::uint64_t master_seed);

}  // namespace xbarsim
