# ctest's every_case_filtered (tests/cpp/CMakeLists.txt): the test binary's
# cases (native or wasm) must all run under the per-file filters, whose union is
# FILTER. Run as cmake -DEMULATOR=... -DTESTS=... -DFILTER=... -P this file.
execute_process(COMMAND ${EMULATOR} ${TESTS} --gtest_list_tests OUTPUT_VARIABLE all RESULT_VARIABLE all_status)
execute_process(COMMAND ${EMULATOR} ${TESTS} --gtest_list_tests "--gtest_filter=${FILTER}"
                OUTPUT_VARIABLE filtered RESULT_VARIABLE filtered_status)
if(NOT all_status EQUAL 0 OR NOT filtered_status EQUAL 0)
  message(FATAL_ERROR "listing the cases failed (${all_status}, ${filtered_status})")
endif()
if(NOT all STREQUAL filtered)
  message(FATAL_ERROR "cases that no test file's filter runs (a suite the CMakeLists regex misses?):\n"
                      "all cases:\n${all}\nunder the filters:\n${filtered}")
endif()
string(REGEX MATCHALL "\n  " cases "${all}")
list(LENGTH cases n)
message(STATUS "every case is under a filter (${n} cases)")
