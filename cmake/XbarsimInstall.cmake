# Install rules (docs/install.md): the libraries and public headers, the data the binaries read
# at run time, and the CMake package config that gives find_package(xbarsim CONFIG) the imported
# target xbarsim::xbarsim. The xbarsim binary's rule is in src/app/CMakeLists.txt.
include(CMakePackageConfigHelpers)

install(TARGETS xbarsim_headers xbarsim_core xbarsim_device_models xbarsim_circuits
                xbarsim_builtin
        EXPORT xbarsimTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/xbarsim DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_BINARY_DIR}/generated/xbarsim/version.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/xbarsim)

# Everything under data/ that the program reads: not the scripts that made it (the models'
# training and export, workloads/generate.py).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/data/arch ${PROJECT_SOURCE_DIR}/data/cards
                  ${PROJECT_SOURCE_DIR}/data/workloads ${PROJECT_SOURCE_DIR}/data/validation
        DESTINATION ${XBARSIM_INSTALL_DATADIR}
        PATTERN "*.py" EXCLUDE)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/data/models/ DESTINATION ${XBARSIM_INSTALL_DATADIR}/models
        FILES_MATCHING PATTERN "*.h5")

install(EXPORT xbarsimTargets NAMESPACE xbarsim:: DESTINATION ${XBARSIM_INSTALL_CMAKEDIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/xbarsimConfig.cmake.in
  ${PROJECT_BINARY_DIR}/xbarsimConfig.cmake
  INSTALL_DESTINATION ${XBARSIM_INSTALL_CMAKEDIR}
  PATH_VARS XBARSIM_INSTALL_DATADIR)
# 0.y: a minor version may break the interface, so only the same minor version is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/xbarsimConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/xbarsimConfig.cmake
              ${PROJECT_BINARY_DIR}/xbarsimConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/XbarsimData.cmake
        DESTINATION ${XBARSIM_INSTALL_CMAKEDIR})
