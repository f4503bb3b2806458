/*
 * native_faults.h - the host kernel's page faults of a native run, by address (native_faults.c).
 */
#ifndef FL_NATIVE_FAULTS_H
#define FL_NATIVE_FAULTS_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fault_sample {
    uint64_t addr; /* the faulting address */
    uint64_t time; /* perf's clock: the order of faults across threads and CPUs */
    bool user;     /* taken in user mode (else in the kernel, e.g. copying to a user buffer) */
};

struct fault_samples {
    struct fault_sample *v; /* in the order the faults happened */
    size_t n, cap;
    unsigned long lost; /* samples the kernel dropped (the ring was full) */
    bool user_only;     /* perf_event_paranoid allowed user-mode faults only */
};

/*
 * Run argv natively (execvp lookup, environment envp, stdin /dev/null, stdout to out_fd)
 * without address-space randomization, and record each page fault of that process and its
 * threads (not of its children), in the order they happened. *status:
 * the exit status (128+N when killed by signal N; 127: argv[0] could not be run). 0, or -1
 * with the reason in err (perf events unavailable, out of memory).
 */
int native_fault_run(char **argv, char **envp, int out_fd, struct fault_samples *s, int *status,
                     char *err, size_t errlen);

/*
 * Restrict the calling thread to one CPU, the first it may run on now, so that a program it
 * then spawns sees the machine the guest sees (one CPU: a JVM then picks SerialGC, GNU sort one
 * thread). The old mask goes to *old if old is not NULL, for native_unpin. false if the
 * affinity cannot be read or set (the run then goes on with every CPU).
 */
bool native_pin_one_cpu(cpu_set_t *old);
void native_unpin(const cpu_set_t *old);

#endif
