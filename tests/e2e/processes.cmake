# processes.cmake - tests of processes and signals (issue 4), included from tests/e2e.
#   compare-sig_handlers*  signal delivery to guest handlers: native vs faultline output/status
#   signals-faults*        the fault log of the guard-page handler (processes/signals.py)
set(G ${FL_GUEST_DIR})
set(FL_PROC_DIR ${CMAKE_CURRENT_LIST_DIR}/processes)

set(sig_variants sig_handlers)
if(FL_GUEST_PROC_MUSL)
  list(APPEND sig_variants sig_handlers-musl)
endif()
foreach(v ${sig_variants})
  fl_compare(compare-${v} COMMAND ${G}/${v} LABELS guest signals)
  # abort() with a handler that returns: the handler runs, then SIGABRT kills (status 134)
  fl_compare(compare-${v}-abort COMMAND ${G}/${v} abort LABELS guest signals)
  # a signal frame that cannot be written: SIGSEGV, status 139
  fl_compare(compare-${v}-badstack COMMAND ${G}/${v} badstack LABELS guest signals)
  set(extra)
  if(v MATCHES "-musl$")
    set(extra --musl)
  endif()
  add_test(NAME signals-faults-${v}
    COMMAND ${Python3_EXECUTABLE} ${FL_PROC_DIR}/signals.py
      --faultline $<TARGET_FILE:faultline> --guest-dir ${G}
      --workdir ${FL_TEST_WORK}/signals-faults-${v} ${extra})
  set_tests_properties(signals-faults-${v} PROPERTIES TIMEOUT ${FL_DEFAULT_TIMEOUT}
    LABELS "faults;signals")
endforeach()

# ---- processes (fork, exec, wait, pipes, signals between processes) -----------------------------
#   compare-fork_cow*, compare-proc_misc*  native vs faultline
#   compare-exec_chain*    three generations of execve in 20 MiB of guest RAM: only possible if
#                          exec frees the old image's frames
#   fork-faults*           fork_cow's copy-on-write rows (processes/fork_faults.py)
#   exec-cache             a closed file's page cache serves the next exec (processes/exec_cache.py)
#   deadlock-pipe          every process blocked: a clear error, no hang
#   shell-*                busybox sh and dash pipelines and scripts, native vs faultline
set(proc_variants "")
foreach(suffix "" "-musl")
  if(suffix STREQUAL "" OR FL_GUEST_PROC_MUSL)
    list(APPEND proc_variants "x${suffix}")
  endif()
endforeach()
foreach(xs ${proc_variants})
  string(SUBSTRING "${xs}" 1 -1 s)
  fl_compare(compare-fork_cow${s} COMMAND ${G}/fork_cow${s} LABELS guest processes)
  fl_compare(compare-proc_misc${s} COMMAND ${G}/proc_misc${s} LABELS guest processes)
  add_test(NAME compare-exec_chain${s}
    COMMAND ${Python3_EXECUTABLE} ${FL_E2E_DIR}/compare.py
      --faultline $<TARGET_FILE:faultline> --workdir ${FL_TEST_WORK}/compare-exec_chain${s}
      --timeout 14 --fl-option=--ram=20M -- ${G}/exec_chain${s})
  set_tests_properties(compare-exec_chain${s} PROPERTIES TIMEOUT 30 LABELS "guest;processes")
  set(extra)
  if(s)
    set(extra --musl)
  endif()
  add_test(NAME fork-faults${s}
    COMMAND ${Python3_EXECUTABLE} ${FL_PROC_DIR}/fork_faults.py
      --faultline $<TARGET_FILE:faultline> --guest-dir ${G}
      --workdir ${FL_TEST_WORK}/fork-faults${s} ${extra})
  set_tests_properties(fork-faults${s} PROPERTIES TIMEOUT ${FL_DEFAULT_TIMEOUT}
    LABELS "faults;processes")
endforeach()

add_test(NAME exec-cache
  COMMAND ${Python3_EXECUTABLE} ${FL_PROC_DIR}/exec_cache.py
    --faultline $<TARGET_FILE:faultline> --workdir ${FL_TEST_WORK}/exec-cache)
set_tests_properties(exec-cache PROPERTIES TIMEOUT ${FL_DEFAULT_TIMEOUT} LABELS "faults;processes")

add_test(NAME deadlock-pipe
  COMMAND $<TARGET_FILE:faultline> run --no-log -- ${G}/pipe_deadlock)
set_tests_properties(deadlock-pipe PROPERTIES TIMEOUT 20 LABELS processes
  PASS_REGULAR_EXPRESSION "every guest process is blocked: [0-9]+ \\(pipe_deadlock\\) in read of an empty pipe")

# /proc/PID/wchan of children asleep in thirteen kinds of wait, a zombie and a running task: the
# names a 4.20 kernel gives (the guest checks them; empty until 2026-12-07, and natively a 6.x
# kernel names some otherwise, so not a compare test)
add_test(NAME proc-wchan COMMAND $<TARGET_FILE:faultline> run --no-log -q -- ${G}/wchan)
set_tests_properties(proc-wchan PROPERTIES TIMEOUT ${FL_DEFAULT_TIMEOUT} LABELS processes)

# Shells: static busybox (found by tests/e2e/CMakeLists.txt) and, when present, /bin/sh.
set(shells)
if(BUSYBOX)
  list(APPEND shells "busybox")
endif()
if(EXISTS /bin/dash)
  list(APPEND shells "dash")
endif()
foreach(sh ${shells})
  if(sh STREQUAL "busybox")
    set(shcmd ${BUSYBOX} sh)
    set(shline "${BUSYBOX} sh") # "#!interp arg": the optional argument of load_script
  else()
    set(shcmd /bin/dash)
    set(shline /bin/dash)
  endif()
  fl_compare(shell-${sh}-pipeline COMMAND ${shcmd} -c "seq 1 100000 | sort -rn | head -3"
    TIMEOUT 60 LABELS processes)
  fl_compare(shell-${sh}-script COMMAND ${shcmd} ${FL_PROC_DIR}/script.sh LABELS processes)
  fl_compare(shell-${sh}-hashbang COMMAND ${shcmd} -c
    "printf '#!${shline}\\necho \"script \$0 \$#: \$*\"\\nexit 4\\n' > s.sh && chmod +x s.sh && ./s.sh one 'two three' || echo rc=\$?"
    LABELS processes)
endforeach()

# bash's process substitution: <(...) is a pipe the command opens by /dev/fd/N, which must name
# the guest's fd (not faultline's) for stat and open, and stay a pipe that parks its reader.
if(EXISTS /bin/bash)
  fl_compare(shell-bash-process-substitution COMMAND /bin/bash ${FL_PROC_DIR}/procsub.bash
    LABELS processes)
  # mkfifo and the opens that wait for the other end (a blocking open must not block faultline)
  fl_compare(shell-bash-fifo COMMAND /bin/bash ${FL_PROC_DIR}/fifo.bash @SCRATCH@ LABELS processes)
  # ps, pidof, pgrep over the guest's /proc listing (its processes, not the host's): not a
  # comparison, natively they list the host's processes
  add_test(NAME shell-bash-ps
    COMMAND $<TARGET_FILE:faultline> run --no-log --quiet -- /bin/bash ${FL_PROC_DIR}/ps.bash)
  set_tests_properties(shell-bash-ps PROPERTIES TIMEOUT 30 LABELS processes
    PASS_REGULAR_EXPRESSION "^ +1000 +[0-9]+ bash\n +1001 +1000 sleep\n +1002 +1000 ps\n1001\n1001\nsleep\n/usr/bin/readlink\n4\n$")
  # script(1) on a new pty, with a signalfd for SIGCHLD in its poll loop
  if(EXISTS /usr/bin/script)
    fl_compare(shell-bash-script-pty COMMAND /bin/bash ${FL_PROC_DIR}/script_pty.bash
      LABELS processes)
  endif()
  # /proc/PID/{status,cmdline,exe,maps} of a child guest process
  fl_compare(shell-bash-proc-pid COMMAND /bin/bash ${FL_PROC_DIR}/procpid.bash LABELS processes)
endif()

# The same pipeline twice: identical fault logs and process trees (deterministic scheduling).
if(BUSYBOX)
  add_test(NAME processes-determinism
    COMMAND ${Python3_EXECUTABLE} ${FL_PROC_DIR}/determinism.py
      --faultline $<TARGET_FILE:faultline> --workdir ${FL_TEST_WORK}/processes-determinism
      -- ${BUSYBOX} sh -c "seq 1 20000 | sort -rn | head -3")
  set_tests_properties(processes-determinism PROPERTIES TIMEOUT 120 LABELS "faults;processes")
endif()
