/*
** search.c: the one binary search of pat. Every sorted table it keeps (the
** catalog of rights, the roles, the settings, a role's grantable catalog)
** is an array of structs whose first member is the name it is sorted by,
** in byte order (strcmp).
*/
#include "base.h"

#include <string.h>

int pat_search(const void *base, int count, size_t size, const char *key, size_t n) {
  int lo = 0, hi = count - 1;
  while (lo <= hi) {
    int mid = lo + (hi - lo) / 2;
    const char *name = *(const char *const *)((const char *)base + (size_t)mid * size);
    size_t len = strlen(name);
    int r = memcmp(name, key, len < n ? len : n);
    if (r == 0) r = len < n ? -1 : len > n ? 1 : 0;
    if (r == 0) return mid;
    if (r < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
