# f2c_test.cmake: the CMake functions that add a C test suite in one call (issue 16, part 6);
# included once, by tests/CMakeLists.txt, before the test areas.
#
#   f2c_c_suite(<target> SOURCES <file>...
#               [NO_LIBRARY]            do not link fhir2cdm (a test that compiles its module in)
#               [LINK <lib>...]         more libraries (Threads::Threads, ...)
#               [INCLUDE <dir>...]      more include folders (tests/include is always there)
#               [TEST <name> [ARGS <arg>...]]   add the test <name> running <target> <arg>...
#               [LABELS <label>...] [PROPERTIES <property> <value>...])
#     builds the executable <target> from SOURCES (relative to the calling folder), linked with
#     libfhir2cdm, with tests/include (f2c_check.h, f2c_case.h) on its include path; with TEST,
#     adds that test with LABELS and the other test PROPERTIES (TIMEOUT, SKIP_RETURN_CODE, ...).
#
#   f2c_c_test(<name> <target> [ARGS <arg>...] [LABELS <label>...] [PROPERTIES ...])
#     one more test running an executable made by f2c_c_suite (several tests, one program).
#
# Test names are given by the caller, never derived, so the names CI and docs use stay put.
function(f2c_c_test name target)
  cmake_parse_arguments(PARSE_ARGV 2 T "" "" "ARGS;LABELS;PROPERTIES")
  if(T_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "f2c_c_test(${name}): unexpected arguments ${T_UNPARSED_ARGUMENTS}")
  endif()
  add_test(NAME ${name} COMMAND ${target} ${T_ARGS})
  if(T_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}")
  endif()
  if(T_PROPERTIES)
    set_tests_properties(${name} PROPERTIES ${T_PROPERTIES})
  endif()
endfunction()

function(f2c_c_suite target)
  cmake_parse_arguments(PARSE_ARGV 1 S "NO_LIBRARY" "TEST"
                        "SOURCES;LINK;INCLUDE;ARGS;LABELS;PROPERTIES")
  if(S_UNPARSED_ARGUMENTS OR NOT S_SOURCES)
    message(FATAL_ERROR "f2c_c_suite(${target}): SOURCES missing or unexpected arguments "
                        "${S_UNPARSED_ARGUMENTS}")
  endif()
  add_executable(${target} ${S_SOURCES})
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/tests/include ${S_INCLUDE})
  if(NOT S_NO_LIBRARY)
    target_link_libraries(${target} PRIVATE fhir2cdm)
  endif()
  if(S_LINK)
    target_link_libraries(${target} PRIVATE ${S_LINK})
  endif()
  if(S_TEST)
    f2c_c_test(${S_TEST} ${target} ARGS ${S_ARGS} LABELS ${S_LABELS} PROPERTIES ${S_PROPERTIES})
  elseif(S_ARGS OR S_LABELS OR S_PROPERTIES)
    message(FATAL_ERROR "f2c_c_suite(${target}): ARGS, LABELS and PROPERTIES need TEST")
  endif()
endfunction()
