#pragma once
// ONNX model files (docs/onnx.md): load_network() hands any path ending in .onnx to
// load_onnx_network, which converts it with data/models/onnx_import.py and reads the result.
#include <functional>
#include <string>

#include "xbarsim/nn/network.hpp"

namespace xbarsim {

bool is_onnx_path(const std::string& path);

// The interpreter that runs the converter: $XBARSIM_PYTHON, else /usr/bin/python3 (where
// Debian installs python3-onnx), else python3 on the PATH.
std::string onnx_python();

using OnnxLoader = std::function<Network(const std::string& converted_path)>;

// Converts into a private temporary folder (removed on return), reads the converted file with
// `load_converted`, and names the ONNX file in the result and in every error (IoError).
Network load_onnx_network(const std::string& path, const OnnxLoader& load_converted);

}  // namespace xbarsim
