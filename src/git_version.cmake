# Writes the provenance header OUT from IN with the commit the sources are at, "-dirty" when
# tracked files differ from it. Run at every build (not only at configure time), so result
# files never carry the commit of an older configure; configure_file rewrites OUT only when
# its text changes, so an unchanged commit rebuilds nothing.
# Inputs: SOURCE_DIR, IN, OUT, PROJECT_VERSION.
execute_process(COMMAND git rev-parse HEAD WORKING_DIRECTORY "${SOURCE_DIR}"
                OUTPUT_VARIABLE XBARSIM_GIT_SHA1 OUTPUT_STRIP_TRAILING_WHITESPACE
                RESULT_VARIABLE git_result ERROR_QUIET)
if(NOT git_result EQUAL 0 OR NOT XBARSIM_GIT_SHA1)
  set(XBARSIM_GIT_SHA1 "unknown")
else()
  execute_process(COMMAND git diff --quiet HEAD -- WORKING_DIRECTORY "${SOURCE_DIR}"
                  RESULT_VARIABLE dirty ERROR_QUIET)
  if(dirty EQUAL 1)
    string(APPEND XBARSIM_GIT_SHA1 "-dirty")
  endif()
endif()
configure_file("${IN}" "${OUT}" @ONLY)
