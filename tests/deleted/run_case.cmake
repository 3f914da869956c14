# run_case.cmake: one golden case of tests/deleted (see CMakeLists.txt there).  Runs
# DRIVER (test_deleted) on case CASE of SRC/cases and compares its output with
# SRC/cases/CASE.out byte for byte; on a difference prints both and fails.  -DUPDATE=1 writes
# the output to the .out file instead.  The driver runs in SRC, so paths in the output are
# relative ("cases/x.ndjson") and the same on every machine; the case `links` runs in WORK,
# where its symbolic links are made first.
foreach(v DRIVER SRC CASE WORK)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "run_case.cmake: -D${v}=... missing")
  endif()
endforeach()
set(expected_file ${SRC}/cases/${CASE}.out)
set(cwd ${SRC})
if(EXISTS ${SRC}/cases/${CASE}.args)
  file(STRINGS ${SRC}/cases/${CASE}.args args_text)
  separate_arguments(args UNIX_COMMAND "${args_text}")
elseif(EXISTS ${SRC}/cases/${CASE}.ndjson)
  set(args cases/${CASE}.ndjson)
elseif(IS_DIRECTORY ${SRC}/cases/${CASE})
  set(args cases/${CASE})
else()
  message(FATAL_ERROR "case ${CASE}: no cases/${CASE}.args, .ndjson or folder")
endif()

if(CASE STREQUAL "links")
  # links/: a deletion file, a link to it and a dangling link (both skipped inside a folder);
  # link-file.ndjson -> a case file and link-dir -> links/ (followed: given as the path).
  file(REMOVE_RECURSE ${WORK})
  file(MAKE_DIRECTORY ${WORK}/links)
  file(COPY_FILE ${SRC}/cases/links-data/a.ndjson ${WORK}/links/a.ndjson)
  file(CREATE_LINK a.ndjson ${WORK}/links/b.ndjson SYMBOLIC)
  file(CREATE_LINK nowhere.ndjson ${WORK}/links/c.ndjson SYMBOLIC)
  file(CREATE_LINK ${SRC}/cases/links-data/d.ndjson ${WORK}/link-file.ndjson SYMBOLIC)
  file(CREATE_LINK links ${WORK}/link-dir SYMBOLIC)
  set(cwd ${WORK})
endif()

execute_process(COMMAND ${DRIVER} ${args} WORKING_DIRECTORY ${cwd}
                OUTPUT_VARIABLE actual ERROR_VARIABLE errors RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "case ${CASE}: test_deleted exited ${rc}\n${errors}\n--- output:\n${actual}")
endif()
if(UPDATE)
  file(WRITE ${expected_file} "${actual}")
  message(STATUS "updated ${expected_file}")
  return()
endif()
file(READ ${expected_file} expected)
if(NOT actual STREQUAL expected)
  file(MAKE_DIRECTORY ${WORK})
  file(WRITE ${WORK}/actual.out "${actual}")
  find_program(DIFF diff)
  if(DIFF)
    execute_process(COMMAND ${DIFF} -u ${expected_file} ${WORK}/actual.out)
  else()
    message("--- expected:\n${expected}--- actual:\n${actual}")
  endif()
  message(FATAL_ERROR "case ${CASE}: output differs from cases/${CASE}.out (actual in "
                      "${WORK}/actual.out; -DUPDATE=1 rewrites the .out file)")
endif()
