/* A heap profile of a running server without changing it: preloaded with LD_PRELOAD, samples
 * glibc's malloc counters, SQLite's memory counters and VmRSS once per interval into a file.
 * SPDX-License-Identifier: MIT
 *
 *   cc -shared -fPIC -O2 -o heap_sampler.so bench/heap_sampler.c -ldl -lpthread
 *   HEAP_SAMPLER_OUT=heap.tsv HEAP_SAMPLER_MATCH=mplus-demo-middleware \
 *       LD_PRELOAD=$PWD/heap_sampler.so PROGRAM ...
 *
 * Only a process whose name (program_invocation_short_name) is HEAP_SAMPLER_MATCH samples (so
 * that a load driver which starts the server with the same environment does not).
 * HEAP_SAMPLER_MS sets the interval (default 1000). Columns (bytes unless said):
 *   ms         time since the process started sampling
 *   rss_kib    VmRSS
 *   arenas     malloc arenas (count of <heap nr= in malloc_info)
 *   in_use     mallinfo2 uordblks + hblkhd: bytes the program holds (live heap)
 *   free       mallinfo2 fordblks: free bytes kept inside the arenas
 *   top_pad    mallinfo2 keepcost: free bytes at the top of the main arena (trimmable)
 *   mmapped    mallinfo2 hblkhd: large blocks in their own mappings
 *   sqlite     sqlite3_status64(SQLITE_STATUS_MEMORY_USED) (-1 without SQLite)
 *   sqlite_hw  its high-water mark
 * With HEAP_SAMPLER_TRIM=1 it also calls malloc_trim(0) after each sample (what a periodic trim
 * in the program would give); otherwise nothing is changed. The sampling thread blocks every
 * signal, so that the program's own handling (sigwait on SIGTERM, say) is unchanged. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef int (*sqlite3_status64_fn)(int, long long*, long long*, int);

static long rss_kib(void) {
    FILE* f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = 0;
    if (!f) return 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "VmRSS:", 6) == 0) kib = strtol(line + 6, NULL, 10);
    }
    fclose(f);
    return kib;
}

static int arenas(void) {
    char* text = NULL;
    size_t size = 0;
    FILE* mem = open_memstream(&text, &size);
    int n = 0;
    if (!mem) return -1;
    malloc_info(0, mem);
    fclose(mem);
    for (const char* p = text; p && (p = strstr(p, "<heap nr=")) != NULL; ++p) ++n;
    free(text);
    return n;
}

static void* sample(void* arg) {
    const char* out = getenv("HEAP_SAMPLER_OUT");
    const char* every = getenv("HEAP_SAMPLER_MS");
    const long ms = every ? strtol(every, NULL, 10) : 1000;
    const int trim = getenv("HEAP_SAMPLER_TRIM") && strcmp(getenv("HEAP_SAMPLER_TRIM"), "1") == 0;
    FILE* f = fopen(out, "w");
    struct timespec start, now, nap = {ms / 1000, (ms % 1000) * 1000000L};
    (void)arg;
    if (!f) return NULL;
    fprintf(f, "ms\trss_kib\tarenas\tin_use\tfree\ttop_pad\tmmapped\tsqlite\tsqlite_hw\n");
    fflush(f);
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        struct mallinfo2 mi = mallinfo2();
        sqlite3_status64_fn status =
            (sqlite3_status64_fn)(uintptr_t)dlsym(RTLD_DEFAULT, "sqlite3_status64");
        long long used = -1, high = -1;
        if (status) status(0 /* SQLITE_STATUS_MEMORY_USED */, &used, &high, 0);
        clock_gettime(CLOCK_MONOTONIC, &now);
        fprintf(f, "%ld\t%ld\t%d\t%zu\t%zu\t%zu\t%zu\t%lld\t%lld\n",
                (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000,
                rss_kib(), arenas(), mi.uordblks + mi.hblkhd, mi.fordblks, mi.keepcost, mi.hblkhd,
                used, high);
        fflush(f);
        if (trim) malloc_trim(0);
        while (nanosleep(&nap, &nap) != 0 && errno == EINTR) {}
        nap.tv_sec = ms / 1000;
        nap.tv_nsec = (ms % 1000) * 1000000L;
    }
    return NULL;
}

__attribute__((constructor)) static void heap_sampler_start(void) {
    const char* match = getenv("HEAP_SAMPLER_MATCH");
    pthread_t thread;
    sigset_t all, before;
    if (!getenv("HEAP_SAMPLER_OUT")) return;
    if (match && strcmp(match, program_invocation_short_name) != 0) return;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &before); /* the new thread inherits the full mask */
    if (pthread_create(&thread, NULL, sample, NULL) == 0) pthread_detach(thread);
    pthread_sigmask(SIG_SETMASK, &before, NULL);
}
