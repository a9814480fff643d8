/*
** main.c: the command line of the fault suites (see fault.h).
**
**   pat_fault malloc [options]    every allocation of each operation fails
**   pat_fault io [options]        every write, sync, lock, ... fails
**   pat_fault copies              no freed block holds a minted token
**
** Options: -j N (groups at once; default: the number of CPUs), -f TEXT (only
** operations whose name holds TEXT), -v (a line per fault point),
** --transient / --persistent (default both), --autocommit / --txn (default
** both), --wal / --delete (default both), --vfs NAME (open the database
** through the shim under NAME, a name that is not the operating system's:
** pat then writes no bookkeeping), --label TEXT (the summary's name),
** --max N (fault points per configuration before giving up, default 100000),
** --full (every point of every operation in every group, transient and
** persistent; by default persistent allocation faults run in one group of
** the four (rollback journal, inside the application's transaction),
** and the operations of thousands of allocations run transient faults in
** one or two groups, every point near both ends and a stride in between),
** --light (leave those operations out), --stride K (only every Kth point:
** N = 1, 1 + K, ...; for the slower sanitizer build),
** --point N (only fault point N, after the runs without faults: to replay
** one failure, under gdb with -j 1 for instance).
** The last line is "LABEL: N points tried, M failed"; the exit status is 0
** only when nothing failed (2: the suite could not run).
*/
#include "fault.h"
#include "pat.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int usage(void) {
  fprintf(stderr, "usage: pat_fault malloc|io|copies [-j N] [-f TEXT] [-v] [--transient|"
                  "--persistent] [--autocommit|--txn] [--wal|--delete] [--vfs NAME] "
                  "[--label TEXT] [--max N] [--full] [--light] [--stride K] [--point N]\n");
  return 2;
}

int main(int argc, char **argv) {
  if (argc < 2) return usage();
  run_opts o = {.vfs = "unix", .persistent = 2, .txn = 2, .journals = 3, .max_points = 100000};
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  o.jobs = cpus > 0 ? (int)cpus : 1;
  const char *mode = argv[1];
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    const char *next = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "-j") == 0 && next) o.jobs = atoi(argv[++i]);
    else if (strcmp(a, "-f") == 0 && next) o.filter = argv[++i];
    else if (strcmp(a, "-v") == 0) o.verbose = 1;
    else if (strcmp(a, "--transient") == 0) o.persistent = 0;
    else if (strcmp(a, "--persistent") == 0) o.persistent = 1;
    else if (strcmp(a, "--autocommit") == 0) o.txn = 0;
    else if (strcmp(a, "--txn") == 0) o.txn = 1;
    else if (strcmp(a, "--wal") == 0) o.journals = 2;
    else if (strcmp(a, "--delete") == 0) o.journals = 1;
    else if (strcmp(a, "--vfs") == 0 && next) o.vfs = argv[++i];
    else if (strcmp(a, "--label") == 0 && next) o.label = argv[++i];
    else if (strcmp(a, "--max") == 0 && next) o.max_points = atol(argv[++i]);
    else if (strcmp(a, "--full") == 0) o.full = 1;
    else if (strcmp(a, "--point") == 0 && next) o.point = atol(argv[++i]);
    else if (strcmp(a, "--light") == 0) o.light = 1;
    else if (strcmp(a, "--stride") == 0 && next) o.stride = atol(argv[++i]);
    else return usage();
  }
  if (strcmp(mode, "malloc") == 0) o.suite = SUITE_MALLOC;
  else if (strcmp(mode, "io") == 0) o.suite = SUITE_IO;
  else if (strcmp(mode, "copies") != 0) return usage();
  if (o.label == NULL) o.label = o.suite == SUITE_MALLOC ? "faults-malloc" : "faults-io";

  /* Millions of small blocks come and go: keep glibc from handing memory
  ** back to the kernel after each run. */
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_TOP_PAD, 64 << 20);
  /* The allocator before SQLite starts; the VFS after (registering one
  ** starts SQLite). */
  if (fa_install() != 0 || sqlite3_initialize() != SQLITE_OK ||
      fv_install(strcmp(o.vfs, "unix") != 0 ? o.vfs : NULL) != 0 ||
      sqlite3_auto_extension((void (*)(void))sqlite3_pat_init) != SQLITE_OK) {
    fprintf(stderr, "pat_fault: can not install the allocator, the VFS or pat\n");
    return 2;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (strcmp(mode, "copies") == 0) {
    const char *dir = getenv("FAULT_DIR");
    if (dir == NULL) dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    return run_copies(dir);
  }
  return run_suite(&o);
}
