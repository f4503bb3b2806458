# harness.cmake - CTest helpers shared by tests/guest (tier 2) and tests/e2e (tier 3).
#
# Every test gets its own work directory under the build tree (work/<test name>), so tests can
# run in parallel (ctest -j) and leave their logs behind for a look after a failure.
find_package(Python3 COMPONENTS Interpreter REQUIRED)

set(FL_E2E_DIR ${CMAKE_CURRENT_LIST_DIR})
set(FL_TEST_WORK ${CMAKE_BINARY_DIR}/tests/work)
set(FL_DEFAULT_TIMEOUT 30)

# fl_compare(<test name> COMMAND <prog> [args...] [STDIN <file>] [TIMEOUT <s>]
#            [WANT_STATUS <n>] [SKIP_STATUS <n>] [LABELS <label>...] [ENVIRONMENT VAR=value...])
#
# Run <prog> natively and under `faultline run --quiet`, and require the same stdout (byte for
# byte) and exit status (tests/e2e/compare.py). An argument "@SCRATCH@" becomes an empty scratch
# directory (the same path, emptied again, for both runs), which is also the working directory.
# WANT_STATUS: the native run must exit so. SKIP_STATUS: a native run exiting so means this
# host's kernel cannot be compared with the model (the program checked); the test is skipped.
function(fl_compare name)
  cmake_parse_arguments(C "" "STDIN;TIMEOUT;WANT_STATUS;SKIP_STATUS" "COMMAND;LABELS;ENVIRONMENT"
    ${ARGN})
  if(NOT C_TIMEOUT)
    set(C_TIMEOUT ${FL_DEFAULT_TIMEOUT})
  endif()
  if(NOT C_LABELS)
    set(C_LABELS guest)
  endif()
  set(extra)
  if(C_STDIN)
    list(APPEND extra --stdin ${C_STDIN})
  endif()
  if(DEFINED C_WANT_STATUS)
    list(APPEND extra --want-status ${C_WANT_STATUS})
  endif()
  if(DEFINED C_SKIP_STATUS)
    list(APPEND extra --skip-status ${C_SKIP_STATUS})
  endif()
  math(EXPR per_run "${C_TIMEOUT} / 2 - 1") # two runs inside one ctest TIMEOUT
  add_test(NAME ${name}
    COMMAND ${Python3_EXECUTABLE} ${FL_E2E_DIR}/compare.py
      --faultline $<TARGET_FILE:faultline> --workdir ${FL_TEST_WORK}/${name}
      --timeout ${per_run} ${extra} -- ${C_COMMAND})
  set_tests_properties(${name} PROPERTIES TIMEOUT ${C_TIMEOUT} LABELS "${C_LABELS}")
  if(DEFINED C_SKIP_STATUS)
    set_tests_properties(${name} PROPERTIES SKIP_RETURN_CODE ${C_SKIP_STATUS})
  endif()
  if(C_ENVIRONMENT)
    set_tests_properties(${name} PROPERTIES ENVIRONMENT "${C_ENVIRONMENT}")
  endif()
endfunction()
