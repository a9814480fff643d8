/*
** vfs.c: a VFS shim over the operating system's "unix" VFS that fails the
** Nth call of one kind (xWrite, xSync, xLock, xTruncate, xShmLock, xShmMap,
** xRead, xOpen, xDelete) with the error a failing disk or a busy lock gives,
** transiently or from then on.
**
** It is registered under the name "unix", as the default: pat opens its
** bookkeeping connection by the name of main's VFS, and only when that name
** is the operating system's, so the shim must carry the name to reach that
** path. SQLite finds the first VFS of a name in its list, and registering
** as the default puts the shim first; it keeps the original by pointer. An
** alternative name (not the operating system's) reaches pat's other path.
**
** Its clock is fixed at FAULT_T0: pat takes "now" from main's VFS, as
** SQLite's date functions do, so every time written to the store is the same
** on every run. xSleep returns at once: the WAL's retries after a busy
** shared-memory lock must not slow the suite down.
*/
#include "fault.h"

#include <string.h>

const char *const fv_kind_names[FV_KINDS] = {
    [FV_WRITE] = "write",     [FV_SYNC] = "sync",       [FV_LOCK] = "lock",
    [FV_TRUNCATE] = "truncate", [FV_SHMLOCK] = "shmlock", [FV_SHMMAP] = "shmmap",
    [FV_READ] = "read",       [FV_OPEN] = "open",       [FV_DELETE] = "delete"};

typedef struct fv_file {
  sqlite3_file base;
  sqlite3_file *real; /* the original VFS's file, right after this struct */
} fv_file;

static sqlite3_vfs *orig;
static sqlite3_vfs shim, shim_alt;
static const sqlite3_int64 now_ms = (FAULT_T0 + 210866760000LL) * 1000;

static struct {
  int armed, kind, rc, persistent;
  long target, count, fired;
} fv;

static int hit(int kind) {
  if (!fv.armed || kind != fv.kind) return 0;
  fv.count++;
  if (fv.target > 0 &&
      (fv.count == fv.target || (fv.persistent && fv.count > fv.target))) {
    fv.fired++;
    return 1;
  }
  return 0;
}

#define REAL(f) (((fv_file *)(f))->real)

static int f_close(sqlite3_file *f) { return REAL(f)->pMethods->xClose(REAL(f)); }

static int f_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off) {
  if (hit(FV_READ)) return fv.rc;
  return REAL(f)->pMethods->xRead(REAL(f), buf, n, off);
}

static int f_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off) {
  if (hit(FV_WRITE)) return fv.rc;
  return REAL(f)->pMethods->xWrite(REAL(f), buf, n, off);
}

static int f_truncate(sqlite3_file *f, sqlite3_int64 size) {
  if (hit(FV_TRUNCATE)) return fv.rc;
  return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int f_sync(sqlite3_file *f, int flags) {
  if (hit(FV_SYNC)) return fv.rc;
  return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int f_size(sqlite3_file *f, sqlite3_int64 *size) {
  return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int f_lock(sqlite3_file *f, int level) {
  if (hit(FV_LOCK)) return fv.rc;
  return REAL(f)->pMethods->xLock(REAL(f), level);
}

static int f_unlock(sqlite3_file *f, int level) {
  return REAL(f)->pMethods->xUnlock(REAL(f), level);
}

static int f_reserved(sqlite3_file *f, int *out) {
  return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int f_fcntl(sqlite3_file *f, int op, void *arg) {
  return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int f_sector(sqlite3_file *f) { return REAL(f)->pMethods->xSectorSize(REAL(f)); }

static int f_devchar(sqlite3_file *f) {
  return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int f_shmmap(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp) {
  if (hit(FV_SHMMAP)) {
    *pp = NULL;
    return fv.rc;
  }
  return REAL(f)->pMethods->xShmMap(REAL(f), pg, pgsz, extend, pp);
}

static int f_shmlock(sqlite3_file *f, int offset, int n, int flags) {
  /* Only taking a lock fails: releasing one can not. */
  if ((flags & SQLITE_SHM_LOCK) && hit(FV_SHMLOCK)) return fv.rc;
  return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}

static void f_shmbarrier(sqlite3_file *f) { REAL(f)->pMethods->xShmBarrier(REAL(f)); }

static int f_shmunmap(sqlite3_file *f, int del) {
  return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

static int f_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **pp) {
  return REAL(f)->pMethods->xFetch(REAL(f), off, n, pp);
}

static int f_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p) {
  return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

static const sqlite3_io_methods io3 = {
    3,          f_close,    f_read,     f_write,       f_truncate, f_sync,
    f_size,     f_lock,     f_unlock,   f_reserved,    f_fcntl,    f_sector,
    f_devchar,  f_shmmap,   f_shmlock,  f_shmbarrier,  f_shmunmap, f_fetch,
    f_unfetch};
static const sqlite3_io_methods io1 = {
    1,      f_close, f_read,   f_write,    f_truncate, f_sync,   f_size,
    f_lock, f_unlock, f_reserved, f_fcntl, f_sector,   f_devchar, NULL,
    NULL,   NULL,    NULL,     NULL,       NULL};

static int v_open(sqlite3_vfs *v, const char *name, sqlite3_file *f, int flags, int *out) {
  fv_file *p = (fv_file *)f;
  (void)v;
  p->real = (sqlite3_file *)&p[1];
  p->base.pMethods = NULL;
  if (hit(FV_OPEN)) return fv.rc;
  int rc = orig->xOpen(orig, name, p->real, flags, out);
  if (p->real->pMethods != NULL) p->base.pMethods = p->real->pMethods->iVersion >= 3 ? &io3 : &io1;
  return rc;
}

static int v_delete(sqlite3_vfs *v, const char *name, int sync) {
  (void)v;
  if (hit(FV_DELETE)) return fv.rc;
  return orig->xDelete(orig, name, sync);
}

static int v_access(sqlite3_vfs *v, const char *name, int flags, int *out) {
  (void)v;
  return orig->xAccess(orig, name, flags, out);
}

static int v_fullpath(sqlite3_vfs *v, const char *name, int n, char *out) {
  (void)v;
  return orig->xFullPathname(orig, name, n, out);
}

static void *v_dlopen(sqlite3_vfs *v, const char *name) {
  (void)v;
  return orig->xDlOpen(orig, name);
}

static void v_dlerror(sqlite3_vfs *v, int n, char *msg) {
  (void)v;
  orig->xDlError(orig, n, msg);
}

static void (*v_dlsym(sqlite3_vfs *v, void *h, const char *sym))(void) {
  (void)v;
  return orig->xDlSym(orig, h, sym);
}

static void v_dlclose(sqlite3_vfs *v, void *h) {
  (void)v;
  orig->xDlClose(orig, h);
}

static int v_random(sqlite3_vfs *v, int n, char *out) {
  (void)v;
  return orig->xRandomness(orig, n, out);
}

static int v_sleep(sqlite3_vfs *v, int us) {
  (void)v;
  return us;
}

static int v_time(sqlite3_vfs *v, double *out) {
  (void)v;
  *out = (double)now_ms / 86400000.0;
  return SQLITE_OK;
}

static int v_lasterror(sqlite3_vfs *v, int n, char *msg) {
  (void)v;
  return orig->xGetLastError ? orig->xGetLastError(orig, n, msg) : 0;
}

static int v_time64(sqlite3_vfs *v, sqlite3_int64 *out) {
  (void)v;
  *out = now_ms;
  return SQLITE_OK;
}

static int v_setsys(sqlite3_vfs *v, const char *name, sqlite3_syscall_ptr p) {
  (void)v;
  return orig->xSetSystemCall(orig, name, p);
}

static sqlite3_syscall_ptr v_getsys(sqlite3_vfs *v, const char *name) {
  (void)v;
  return orig->xGetSystemCall(orig, name);
}

static const char *v_nextsys(sqlite3_vfs *v, const char *name) {
  (void)v;
  return orig->xNextSystemCall(orig, name);
}

int fv_install(const char *alt) {
  orig = sqlite3_vfs_find("unix");
  if (orig == NULL || orig->iVersion < 3) return -1;
  sqlite3_vfs v = {3,        (int)sizeof(fv_file) + orig->szOsFile,
                   orig->mxPathname, NULL,  "unix",     NULL,
                   v_open,   v_delete, v_access, v_fullpath, v_dlopen, v_dlerror,
                   v_dlsym,  v_dlclose, v_random, v_sleep, v_time,   v_lasterror,
                   v_time64, v_setsys, v_getsys, v_nextsys};
  shim = v;
  if (sqlite3_vfs_register(&shim, 1) != SQLITE_OK) return -1;
  if (sqlite3_vfs_find("unix") != &shim || sqlite3_vfs_find(NULL) != &shim) return -1;
  if (alt != NULL && strcmp(alt, "unix") != 0) {
    shim_alt = v;
    shim_alt.zName = alt;
    if (sqlite3_vfs_register(&shim_alt, 0) != SQLITE_OK) return -1;
  }
  return 0;
}

void fv_arm(int kind, long n, int rc, int persistent) {
  fv.kind = kind;
  fv.target = n;
  fv.rc = rc;
  fv.persistent = persistent;
  fv.count = 0;
  fv.fired = 0;
  fv.armed = 1;
}

void fv_disarm(void) { fv.armed = 0; }
long fv_count(void) { return fv.count; }
long fv_fired(void) { return fv.fired; }
