/*
** examples/dqlite/node.c: one dqlite node whose every SQLite connection has
** pat.
**
**   make dist/dqlite-node        (links dist/libpat.a and the system libsqlite3)
**   dist/dqlite-node ID 127.0.0.1:PORT DATA_DIR [LATENCY_MS]
**
** dqlite (Raft-replicated SQLite) opens its connections itself, inside the
** library, on the leader and on every follower. libdqlite links the system
** libsqlite3, so registering pat with sqlite3_auto_extension() in this
** process, before the node starts, reaches every one of them: the node
** serves pat_create, pat_verify, pat_tokens... to any dqlite client (the
** `dqlite` shell, go-dqlite's driver). This program must therefore link that
** same libsqlite3, not a private copy (a second SQLite in the process would
** keep its own auto-extension list, and dqlite would never see pat);
** `ldd dist/dqlite-node | grep sqlite` shows one.
**
** Node 1 bootstraps a new cluster on its first start; other ids wait until a
** member adds them (examples/dqlite/join). A node restarted with the same id,
** address and data directory rejoins with its data.
**
** It runs until SIGTERM or SIGINT, then stops the node cleanly. SIGPIPE is
** ignored: a write to the socket of a peer that just died (the leader
** killed with SIGKILL) would otherwise kill this node too.
**
** LATENCY_MS (optional) is dqlite_node_set_network_latency_ms: the one-way
** network latency dqlite's Raft timers (heartbeat, election) are scaled from.
*/
#include <dqlite.h>
#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pat.h"

static void usage(const char *prog) {
  fprintf(stderr, "usage: %s ID ADDRESS DATA_DIR [LATENCY_MS]\n"
                  "  ID          node id, 1 for the node that bootstraps the cluster\n"
                  "  ADDRESS     127.0.0.1:PORT, to bind and to be known by\n"
                  "  DATA_DIR    the node's Raft log and snapshots (created if missing)\n"
                  "  LATENCY_MS  one-way network latency for Raft timers (optional)\n",
          prog);
}

/* Parse a positive decimal number; 0 on error. */
static unsigned long long parse_positive(const char *s) {
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || s[0] == '-') return 0;
  return v;
}

/* What pat and SQLite this process runs: one in-memory connection, on which
** the auto-extension must already be there. */
static int report_pat(dqlite_node_id id) {
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  int ok = 0;
  if (sqlite3_open(":memory:", &db) == SQLITE_OK &&
      sqlite3_prepare_v2(db, "SELECT pat_version(), sqlite_version()", -1, &st, NULL) ==
          SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    fprintf(stderr, "node %llu: pat %s on SQLite %s (library %s), dqlite %d\n", id,
            (const char *)sqlite3_column_text(st, 0),
            (const char *)sqlite3_column_text(st, 1), sqlite3_libversion(),
            dqlite_version_number());
    ok = 1;
  } else {
    fprintf(stderr, "node %llu: pat is not registered: %s\n", id,
            db ? sqlite3_errmsg(db) : "out of memory");
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return ok;
}

int main(int argc, char **argv) {
  if (argc < 4 || argc > 5) {
    usage(argv[0]);
    return 2;
  }
  dqlite_node_id id = parse_positive(argv[1]);
  const char *address = argv[2];
  const char *dir = argv[3];
  unsigned long long latency = argc > 4 ? parse_positive(argv[4]) : 0;
  if (id == 0 || (argc > 4 && (latency == 0 || latency > 3600000))) {
    usage(argv[0]);
    return 2;
  }

  /* Before any thread exists: SIGPIPE ignored, SIGTERM and SIGINT blocked so
  ** that dqlite's thread inherits the mask and only sigwait() below takes
  ** them. */
  struct sigaction ign;
  memset(&ign, 0, sizeof ign);
  ign.sa_handler = SIG_IGN;
  sigemptyset(&ign.sa_mask);
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  if (sigaction(SIGPIPE, &ign, NULL) != 0 || sigprocmask(SIG_BLOCK, &stop, NULL) != 0) {
    perror("signals");
    return 1;
  }

  /* pat on every connection opened from now on, dqlite's included. */
  if (sqlite3_auto_extension((void (*)(void))sqlite3_pat_init) != SQLITE_OK) {
    fprintf(stderr, "node %llu: sqlite3_auto_extension failed\n", id);
    return 1;
  }
  if (!report_pat(id)) return 1;

  if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
    fprintf(stderr, "node %llu: mkdir %s: %s\n", id, dir, strerror(errno));
    return 1;
  }

  dqlite_node *node = NULL;
  int rv = dqlite_node_create(id, address, dir, &node);
  if (rv != 0) {
    fprintf(stderr, "node %llu: dqlite_node_create: %s (%d)\n", id,
            node ? dqlite_node_errmsg(node) : "", rv);
    if (node) dqlite_node_destroy(node);
    return 1;
  }
  rv = dqlite_node_set_bind_address(node, address);
  if (rv == 0 && latency > 0) rv = dqlite_node_set_network_latency_ms(node, (unsigned)latency);
  if (rv == 0) rv = dqlite_node_start(node);
  if (rv != 0) {
    fprintf(stderr, "node %llu: start on %s: %s (%d)\n", id, address, dqlite_node_errmsg(node),
            rv);
    dqlite_node_destroy(node);
    return 1;
  }
  fprintf(stderr, "node %llu: serving on %s, data in %s\n", id, address, dir);

  int sig = 0;
  if (sigwait(&stop, &sig) != 0) sig = 0;
  fprintf(stderr, "node %llu: %s, stopping\n", id,
          sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "sigwait failed");
  rv = dqlite_node_stop(node);
  if (rv != 0) fprintf(stderr, "node %llu: dqlite_node_stop: %d\n", id, rv);
  dqlite_node_destroy(node);
  return rv == 0 ? 0 : 1;
}
