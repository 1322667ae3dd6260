/*
 * Linux core scheduling, emulated for one process: an LD_PRELOAD library
 * that answers prctl(PR_SCHED_CORE, ...) as the kernel documents it
 * (Documentation/admin-guide/hw-vuln/core-scheduling.rst, and
 * kernel/sched/core_sched.c's sched_core_share_pid()), so that QEMU's
 * core-scheduling path runs on a host whose kernel lacks it or has no SMT.
 *
 * Only the cookies of this process's threads exist.  A thread created
 * with pthread_create() inherits its creator's cookie, as clone() does.
 *
 * VTOPO_CORE_SCHED_SHIM=<file> turns it on: after every call, <file>
 * holds one line per thread with a cookie ("<tid> <cookie>"), and
 * <file>.calls one line per call ("<caller> <command> <pid> <scope>
 * <result>").  VTOPO_CORE_SCHED_SHIM_ERRNO=<n> makes every call fail
 * with that (positive) errno instead (ENODEV: a kernel with core
 * scheduling on a host without SMT).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PR_SCHED_CORE
#define PR_SCHED_CORE 62
#define PR_SCHED_CORE_GET 0
#define PR_SCHED_CORE_CREATE 1
#define PR_SCHED_CORE_SHARE_TO 2
#define PR_SCHED_CORE_SHARE_FROM 3
#define PR_SCHED_CORE_SCOPE_THREAD 0
#define PR_SCHED_CORE_SCOPE_THREAD_GROUP 1
#define PR_SCHED_CORE_SCOPE_PROCESS_GROUP 2
#endif

#define MAX_THREADS 4096

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    pid_t tid;
    unsigned long cookie;
} threads[MAX_THREADS];
static unsigned int nr_threads;
static unsigned long next_cookie = 0x100;

/* The functions this library stands in front of, found once at load. */
static int (*next_prctl)(int, unsigned long, unsigned long, unsigned long,
                         unsigned long);
static int (*next_pthread_create)(pthread_t *, const pthread_attr_t *,
                                  void *(*)(void *), void *);

static void __attribute__((constructor)) find_next(void)
{
    next_prctl = dlsym(RTLD_NEXT, "prctl");
    next_pthread_create = dlsym(RTLD_NEXT, "pthread_create");
}

static const char *const command_names[] = {
    "get", "create", "share-to", "share-from",
};
static const char *const scope_names[] = {
    "thread", "thread-group", "process-group",
};

static pid_t current_tid(void)
{
    return syscall(SYS_gettid);
}

/* Whether @tid is a thread of this process (the kernel's ESRCH). */
static int thread_exists(pid_t tid)
{
    char path[64];

    snprintf(path, sizeof(path), "/proc/self/task/%d", (int)tid);
    return access(path, F_OK) == 0;
}

/* The cookie of @tid, 0 for none.  Called with @lock held. */
static unsigned long cookie_of(pid_t tid)
{
    for (unsigned int i = 0; i < nr_threads; i++) {
        if (threads[i].tid == tid) {
            return threads[i].cookie;
        }
    }
    return 0;
}

/* Give @tid @cookie.  Called with @lock held. */
static int set_cookie(pid_t tid, unsigned long cookie)
{
    for (unsigned int i = 0; i < nr_threads; i++) {
        if (threads[i].tid == tid) {
            threads[i].cookie = cookie;
            return 0;
        }
    }
    if (nr_threads == MAX_THREADS) {
        return -ENOMEM;
    }
    threads[nr_threads].tid = tid;
    threads[nr_threads].cookie = cookie;
    nr_threads++;
    return 0;
}

/* Give every thread of this process @cookie.  Called with @lock held. */
static int set_cookie_all(unsigned long cookie)
{
    DIR *dir = opendir("/proc/self/task");
    struct dirent *d;
    int ret = 0;

    if (!dir) {
        return -errno;
    }
    while (!ret && (d = readdir(dir))) {
        if (d->d_name[0] != '.') {
            ret = set_cookie(atoi(d->d_name), cookie);
        }
    }
    closedir(dir);
    return ret;
}

/* Write the cookie table to @file.  Called with @lock held. */
static void write_table(const char *file)
{
    char tmp[4096];
    FILE *f;

    snprintf(tmp, sizeof(tmp), "%s.tmp", file);
    f = fopen(tmp, "w");
    if (f) {
        for (unsigned int i = 0; i < nr_threads; i++) {
            if (threads[i].cookie) {
                fprintf(f, "%d %#lx\n", (int)threads[i].tid,
                        threads[i].cookie);
            }
        }
        fclose(f);
        rename(tmp, file);
    }
}

/* Write the cookie table, then log the call.  Called with @lock held. */
static void record(const char *file, unsigned long cmd, pid_t pid,
                   unsigned long scope, int ret)
{
    char calls[4096];
    FILE *f;

    write_table(file);
    snprintf(calls, sizeof(calls), "%s.calls", file);
    f = fopen(calls, "a");
    if (f) {
        fprintf(f, "%d %s %d %s %d\n", (int)current_tid(),
                cmd < 4 ? command_names[cmd] : "?", (int)pid,
                scope < 3 ? scope_names[scope] : "?", ret);
        fclose(f);
    }
}

/* prctl(PR_SCHED_CORE, @cmd, @pid, @scope, @addr), as the kernel does it. */
static int sched_core(unsigned long cmd, pid_t pid, unsigned long scope,
                      unsigned long addr)
{
    pid_t self = current_tid();
    pid_t target = pid ? pid : self;
    unsigned long cookie;

    if (scope > PR_SCHED_CORE_SCOPE_PROCESS_GROUP ||
        (cmd == PR_SCHED_CORE_GET && (scope != PR_SCHED_CORE_SCOPE_THREAD ||
                                      !addr)) ||
        (cmd != PR_SCHED_CORE_GET && addr) ||
        (cmd == PR_SCHED_CORE_SHARE_FROM &&
         scope != PR_SCHED_CORE_SCOPE_THREAD) ||
        cmd > PR_SCHED_CORE_SHARE_FROM) {
        return -EINVAL;
    }
    if (!thread_exists(target)) {
        return -ESRCH;
    }
    switch (cmd) {
    case PR_SCHED_CORE_GET:
        /* The kernel hands out a hash of the cookie; 0 stays 0. */
        *(unsigned long *)addr = cookie_of(target);
        return 0;
    case PR_SCHED_CORE_CREATE:
        cookie = next_cookie++;
        break;
    case PR_SCHED_CORE_SHARE_TO:
        cookie = cookie_of(self);
        break;
    default:    /* PR_SCHED_CORE_SHARE_FROM */
        return set_cookie(self, cookie_of(target));
    }
    if (scope == PR_SCHED_CORE_SCOPE_THREAD) {
        return set_cookie(target, cookie);
    }
    /* A thread group or process group: here, this one process. */
    if (target != getpid() && target != self) {
        return -ESRCH;
    }
    return set_cookie_all(cookie);
}

int prctl(int option, ...)
{
    const char *file = getenv("VTOPO_CORE_SCHED_SHIM");
    const char *fail = getenv("VTOPO_CORE_SCHED_SHIM_ERRNO");
    unsigned long arg[4];
    va_list ap;
    int ret;

    /* Four arguments whatever the caller passed, as glibc's prctl() */
    va_start(ap, option);
    for (int i = 0; i < 4; i++) {
        arg[i] = va_arg(ap, unsigned long);
    }
    va_end(ap);
    if (option != PR_SCHED_CORE || !file) {
        return next_prctl(option, arg[0], arg[1], arg[2], arg[3]);
    }
    pthread_mutex_lock(&lock);
    ret = fail && atoi(fail) > 0 ? -atoi(fail)
          : sched_core(arg[0], arg[1], arg[2], arg[3]);
    record(file, arg[0], arg[1], arg[2], ret);
    pthread_mutex_unlock(&lock);
    if (ret < 0) {
        errno = -ret;
        return -1;
    }
    return 0;
}

/* A new thread starts with its creator's cookie. */
struct start {
    void *(*routine)(void *);
    void *arg;
    unsigned long cookie;
};

static void *start_with_cookie(void *opaque)
{
    struct start s = *(struct start *)opaque;
    const char *file = getenv("VTOPO_CORE_SCHED_SHIM");
    pid_t tid = current_tid();

    free(opaque);
    pthread_mutex_lock(&lock);
    /* Also a 0 over the cookie of a gone thread that had this id */
    if (s.cookie || cookie_of(tid)) {
        set_cookie(tid, s.cookie);
        if (file) {
            write_table(file);
        }
    }
    pthread_mutex_unlock(&lock);
    return s.routine(s.arg);
}

int pthread_create(pthread_t *thread, const pthread_attr_t *attr,
                   void *(*routine)(void *), void *arg)
{
    struct start *s = malloc(sizeof(*s));
    int ret;

    if (!s) {
        return EAGAIN;
    }
    s->routine = routine;
    s->arg = arg;
    pthread_mutex_lock(&lock);
    s->cookie = cookie_of(current_tid());
    pthread_mutex_unlock(&lock);
    ret = next_pthread_create(thread, attr, start_with_cookie, s);
    if (ret) {
        free(s);
    }
    return ret;
}
