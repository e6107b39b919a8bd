#pragma once
// Typed errors. Libraries throw; only main() turns them into a message and an exit code.
#include <stdexcept>
#include <string>

namespace xbarsim {

// Base of every error a user can cause with bad input. main() exits with code 2.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A configuration value is missing, unknown, of the wrong type or out of range.
class ConfigError : public Error {
 public:
  ConfigError(std::string file, std::string key, const std::string& what)
      : Error(format(file, key, what)),
        file_(std::move(file)),
        key_(std::move(key)),
        detail_(what) {}
  const std::string& file() const { return file_; }
  const std::string& key() const { return key_; }
  // The message without the file and key, so a caller can re-attribute it.
  const std::string& detail() const { return detail_; }

 private:
  static std::string format(const std::string& file, const std::string& key,
                            const std::string& what) {
    std::string msg = file.empty() ? std::string("config") : file;
    if (!key.empty()) msg += ": key '" + key + "'";
    return msg + ": " + what;
  }
  std::string file_;
  std::string key_;
  std::string detail_;
};

// A matrix, tensor or file has a shape other than the one expected.
class ShapeError : public Error {
 public:
  using Error::Error;
};

// A data file (HDF5, IDX, YAML) cannot be read or is malformed.
class IoError : public Error {
 public:
  IoError(std::string file, const std::string& what)
      : Error(file + ": " + what), file_(std::move(file)) {}
  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

}  // namespace xbarsim
